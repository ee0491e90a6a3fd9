// The layer rule (docs/ARCHITECTURE.md, "may import") is only worth something if a violation
// really fails `npm run lint`. This builds a small fixture tree in a temp dir, with one allowed
// and several forbidden imports per layer, runs dependency-cruiser on it with the project's own
// config, and checks every forbidden import is reported under its rule name and nothing else is.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const depcruiseBin = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string; readonly severity: string };
}

function cruise(cwd: string, dirs: readonly string[]): Violation[] {
  const run = spawnSync(process.execPath, [depcruiseBin, ...dirs, '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`dependency-cruiser failed (${run.status}): ${run.stderr}`);
  return (JSON.parse(run.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

// Files every layer may lean on; each exports something so imports of it are real.
const base: Record<string, string> = {
  'src/shared/ids.ts': 'export type OrderId = number;\n',
  'src/engine/types.ts': "import type { OrderId } from '../shared/ids.js';\nexport interface Order { id: OrderId }\n",
  'src/fix/codec.ts': "import type { OrderId } from '../shared/ids.js';\nexport const encode = (id: OrderId): string => String(id);\n",
  'src/marketdata/feed.ts': "import type { OrderId } from '../shared/ids.js';\nexport type Tick = { id: OrderId };\n",
  'src/protocol/messages.ts': "import type { OrderId } from '../shared/ids.js';\nexport type Msg = { id: OrderId };\n",
  'src/venue/app.ts': [
    "import type { OrderId } from '../shared/ids.js';",
    "import type { Order } from '../engine/types.js';",
    "import { encode } from '../fix/codec.js';",
    'export const run = (o: Order, id: OrderId): string => encode(o.id + id);',
    '',
  ].join('\n'),
  'src/strategy/maker.ts': [
    "import type { OrderId } from '../shared/ids.js';",
    "import type { Tick } from '../marketdata/feed.js';",
    'export const quote = (t: Tick): OrderId => t.id;',
    '',
  ].join('\n'),
  'src/server/http.ts': [
    "import { createServer } from 'node:http';",
    "import { run } from '../venue/app.js';",
    "import { quote } from '../strategy/maker.js';",
    "import type { Msg } from '../protocol/messages.js';",
    'export const serve = (m: Msg) => [createServer, run, quote, m];',
    '',
  ].join('\n'),
  'src/cli/main.ts': "import { Command } from 'commander';\nimport { serve } from '../server/http.js';\nexport const cli = [Command, serve];\n",
  'src/fix/acceptor.ts': "import { createServer } from 'node:net';\nimport { encode } from './codec.js';\nexport const listen = [createServer, encode];\n",
  'web/app.ts': "import type { Msg } from '../src/protocol/messages.js';\nexport const show = (m: Msg): string => String(m.id);\n",
};

// One forbidden import per file, so a violation names exactly one rule (the engine ones excepted).
const violations: ReadonlyArray<{ file: string; source: string; rules: readonly string[] }> = [
  { file: 'src/engine/uses-fs.ts', source: "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n", rules: ['engine-no-node-builtins'] },
  { file: 'src/engine/uses-path.ts', source: "import { join } from 'path';\nexport const j = join;\n", rules: ['engine-no-node-builtins'] },
  { file: 'src/engine/uses-package.ts', source: "import { Command } from 'commander';\nexport const c = Command;\n", rules: ['engine-no-packages'] },
  { file: 'src/engine/uses-fix.ts', source: "import { encode } from '../fix/codec.js';\nexport const e = encode;\n", rules: ['engine-only-shared', 'engine-no-packages'] },
  { file: 'src/shared/uses-engine.ts', source: "import type { Order } from '../engine/types.js';\nexport type O = Order;\n", rules: ['shared-imports-nothing'] },
  { file: 'src/fix/uses-engine.ts', source: "import type { Order } from '../engine/types.js';\nexport type O = Order;\n", rules: ['fix-only-shared'] },
  { file: 'src/fix/uses-venue.ts', source: "import { run } from '../venue/app.js';\nexport const r = run;\n", rules: ['fix-only-shared'] },
  { file: 'src/venue/uses-server.ts', source: "import { serve } from '../server/http.js';\nexport const s = serve;\n", rules: ['venue-layers'] },
  { file: 'src/marketdata/uses-engine.ts', source: "import type { Order } from '../engine/types.js';\nexport type O = Order;\n", rules: ['marketdata-only-shared'] },
  { file: 'src/strategy/uses-venue.ts', source: "import { run } from '../venue/app.js';\nexport const r = run;\n", rules: ['strategy-layers'] },
  { file: 'src/protocol/uses-engine.ts', source: "import type { Order } from '../engine/types.js';\nexport type O = Order;\n", rules: ['protocol-only-shared'] },
  { file: 'web/uses-engine.ts', source: "import type { Order } from '../src/engine/types.js';\nexport type O = Order;\n", rules: ['web-only-protocol'] },
  { file: 'src/cli/uses-dev-dependency.ts', source: "import ts from 'typescript';\nexport const t = ts;\n", rules: ['src-not-to-dev-dependencies'] },
  { file: 'src/cli/missing.ts', source: "import { nothing } from './does-not-exist.js';\nexport const n = nothing;\n", rules: ['not-to-unresolvable'] },
];

// A cycle is reported once, on one of its edges.
const cycle: Record<string, string> = {
  'src/cli/cycle-a.ts': "import { b } from './cycle-b.js';\nexport const a = (): number => b() + 1;\n",
  'src/cli/cycle-b.ts': "import { a } from './cycle-a.js';\nexport const b = (): number => a() + 1;\n",
};

describe('layer rule (dependency-cruiser)', () => {
  let fixture: string;
  let found: Violation[];

  beforeAll(() => {
    fixture = mkdtempSync(join(tmpdir(), 'crucible-layers-'));
    for (const name of ['.dependency-cruiser.cjs', 'tsconfig.json', 'package.json']) copyFileSync(join(root, name), join(fixture, name));
    // npm imports must resolve and be classified against package.json as in the real tree.
    symlinkSync(join(root, 'node_modules'), join(fixture, 'node_modules'), 'dir');
    for (const [file, source] of [...Object.entries(base), ...Object.entries(cycle), ...violations.map((v) => [v.file, v.source] as const)]) {
      mkdirSync(dirname(join(fixture, file)), { recursive: true });
      writeFileSync(join(fixture, file), source);
    }
    found = cruise(fixture, ['src', 'web']);
  });

  afterAll(() => {
    if (fixture !== undefined) rmSync(fixture, { recursive: true, force: true });
  });

  it.each(violations)('reports $file under $rules', ({ file, rules }) => {
    const names = [...new Set(found.filter((v) => v.from === file).map((v) => v.rule.name))].sort();
    expect(names).toEqual([...rules].sort());
    for (const v of found.filter((x) => x.from === file)) expect(v.rule.severity).toBe('error');
  });

  it('reports an import cycle under no-circular', () => {
    const cycleFiles = new Set(Object.keys(cycle));
    const reported = found.filter((v) => cycleFiles.has(v.from));
    expect(reported.length).toBeGreaterThan(0);
    for (const v of reported) expect(v.rule.name).toBe('no-circular');
  });

  it('accepts every import the table allows', () => {
    const allowedFiles = new Set(Object.keys(base));
    expect(found.filter((v) => allowedFiles.has(v.from))).toEqual([]);
  });

  it('finds no violation in the real src/ and bench/', () => {
    expect(cruise(root, ['src', 'bench'].filter((d) => existsSync(join(root, d))))).toEqual([]);
  });
});
