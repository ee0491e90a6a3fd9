#!/usr/bin/env node
// Generates src/fix/dictionaries/fix42.ts and fix44.ts from QuickFIX's FIX42.xml and FIX44.xml
// data dictionaries, so that the runtime never reads XML (and never needs ../shared).
//
//   node scripts/gen-fix-dictionaries.mjs [--spec-dir ../shared/fix-acceptance/spec] [--check]
//
// The output keeps the XML's structure (fields, header, trailer, components, messages with their
// nested components and groups) in compact JSON; src/fix/dictionary.ts expands it with QuickFIX's
// own rules. --check regenerates in memory and fails if the committed files differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const specDirArg = args.indexOf('--spec-dir');
const specDir = resolve(root, specDirArg >= 0 ? args[specDirArg + 1] : '../shared/fix-acceptance/spec');
const check = args.includes('--check');

/** A minimal XML reader for the data dictionaries: elements and attributes only, no text content. */
function parseXml(text) {
  const rootNode = { name: '#document', attrs: {}, children: [] };
  const stack = [rootNode];
  const tagRe = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[[\s\S]*?\]\]>|<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w.:-]+\s*=\s*(?:'[^']*'|"[^"]*"))*)\s*(\/?)>/g;
  const attrRe = /([\w.:-]+)\s*=\s*(?:'([^']*)'|"([^"]*)")/g;
  let m;
  let last = 0;
  while ((m = tagRe.exec(text)) !== null) {
    if (text.slice(last, m.index).trim() !== '') throw new Error(`unexpected text before offset ${m.index}`);
    last = tagRe.lastIndex;
    if (m[2] === undefined) continue;
    const [, closing, name, attrText, selfClosing] = m;
    if (closing) {
      const open = stack.pop();
      if (open.name !== name) throw new Error(`</${name}> closes <${open.name}>`);
      continue;
    }
    const attrs = {};
    for (const a of attrText.matchAll(attrRe)) attrs[a[1]] = decodeEntities(a[2] ?? a[3]);
    const node = { name, attrs, children: [] };
    stack[stack.length - 1].children.push(node);
    if (!selfClosing) stack.push(node);
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  return rootNode;
}

function decodeEntities(s) {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e) => {
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'amp') return '&';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });
}

function child(node, name) {
  return node.children.find((c) => c.name === name);
}

function convert(xmlText) {
  const doc = parseXml(xmlText);
  const fix = child(doc, 'fix');
  if (!fix) throw new Error('no <fix> root');
  const version = `${fix.attrs.type ?? 'FIX'}.${fix.attrs.major}.${fix.attrs.minor}`;

  const tagByName = new Map();
  const fields = [];
  for (const f of child(fix, 'fields')?.children ?? []) {
    if (f.name !== 'field') continue;
    const tag = Number(f.attrs.number);
    if (!Number.isInteger(tag)) throw new Error(`field ${f.attrs.name} has number ${f.attrs.number}`);
    if (tagByName.has(f.attrs.name)) throw new Error(`field ${f.attrs.name} defined twice`);
    tagByName.set(f.attrs.name, tag);
    const values = f.children.filter((v) => v.name === 'value').map((v) => [v.attrs.enum, v.attrs.description ?? '']);
    fields.push(values.length > 0 ? [tag, f.attrs.name, f.attrs.type, values] : [tag, f.attrs.name, f.attrs.type]);
  }

  const tagOf = (name) => {
    const tag = tagByName.get(name);
    if (tag === undefined) throw new Error(`${version}: field ${name} is not in <fields>`);
    return tag;
  };
  const required = (n) => (n.attrs.required === 'Y' || n.attrs.required === 'y' ? 1 : 0);
  // A node: [tag, required] field, [tag, required, [children]] group, ["Component", required] component.
  const nodes = (parent) =>
    parent.children.flatMap((n) => {
      if (n.name === 'field') return [[tagOf(n.attrs.name), required(n)]];
      if (n.name === 'group') return [[tagOf(n.attrs.name), required(n), nodes(n)]];
      if (n.name === 'component') return [[n.attrs.name, required(n)]];
      return [];
    });

  const components = {};
  for (const c of child(fix, 'components')?.children ?? []) {
    if (c.name === 'component') components[c.attrs.name] = nodes(c);
  }
  const messages = [];
  for (const m of child(fix, 'messages')?.children ?? []) {
    if (m.name !== 'message') continue;
    messages.push([m.attrs.msgtype, m.attrs.name, m.attrs.msgcat, nodes(m)]);
  }
  for (const [, , cat] of messages) if (cat !== 'admin' && cat !== 'app') throw new Error(`${version}: msgcat ${cat}`);

  return {
    version,
    header: nodes(child(fix, 'header')),
    trailer: nodes(child(fix, 'trailer')),
    messages,
    components,
    fields,
  };
}

/** JSON with one top-level record per line, so regenerated files diff line by line. */
function layout(spec) {
  const lines = ['{'];
  lines.push(`"version": ${JSON.stringify(spec.version)},`);
  lines.push(`"header": ${JSON.stringify(spec.header)},`);
  lines.push(`"trailer": ${JSON.stringify(spec.trailer)},`);
  lines.push('"messages": [');
  spec.messages.forEach((m, i) => lines.push(JSON.stringify(m) + (i < spec.messages.length - 1 ? ',' : '')));
  lines.push('],');
  lines.push('"components": {');
  const names = Object.keys(spec.components);
  names.forEach((n, i) => lines.push(`${JSON.stringify(n)}: ${JSON.stringify(spec.components[n])}` + (i < names.length - 1 ? ',' : '')));
  lines.push('},');
  lines.push('"fields": [');
  spec.fields.forEach((f, i) => lines.push(JSON.stringify(f) + (i < spec.fields.length - 1 ? ',' : '')));
  lines.push(']');
  lines.push('}');
  return lines.join('\n');
}

function moduleText(spec, sourceName, exportName) {
  const json = layout(spec);
  if (json.includes('`') || json.includes('${') || json.includes('\\')) throw new Error(`${sourceName}: text that a template literal cannot hold as is`);
  return `// GENERATED by scripts/gen-fix-dictionaries.mjs from QuickFIX's ${sourceName}; do not edit.
//
// Data dictionary of ${spec.version}: fields, enums, header, trailer, components and messages,
// from the QuickFIX data dictionary spec/${sourceName} (public repository quickfix/quickfix).
// This product includes software developed by quickfixengine.org (http://www.quickfixengine.org/).
// Licence: LICENSE-quickfix at the root of this project.
export const ${exportName}: unknown = JSON.parse(\`${json}\`);
`;
}

const outputs = [
  ['FIX42.xml', 'FIX42_SPEC', 'src/fix/dictionaries/fix42.ts'],
  ['FIX44.xml', 'FIX44_SPEC', 'src/fix/dictionaries/fix44.ts'],
];
let stale = false;
for (const [source, exportName, target] of outputs) {
  const spec = convert(readFileSync(join(specDir, source), 'utf8'));
  const text = moduleText(spec, source, exportName);
  const path = join(root, target);
  if (check) {
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      // missing counts as stale
    }
    if (current !== text) {
      console.error(`${target} is out of date; run node scripts/gen-fix-dictionaries.mjs`);
      stale = true;
    }
  } else {
    writeFileSync(path, text);
    console.log(`${target}: ${spec.version}, ${spec.fields.length} fields, ${spec.messages.length} messages, ${Object.keys(spec.components).length} components`);
  }
}
if (stale) process.exitCode = 1;
