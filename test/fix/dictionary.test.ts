import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getDictionary, isSupportedVersion } from '../../src/fix/dictionary.js';
import { sortFieldsForSend, type Field } from '../../src/fix/encoder.js';

const fix42 = getDictionary('FIX.4.2');
const fix44 = getDictionary('FIX.4.4');
const sorted = (s: Iterable<number>) => [...s].sort((a, b) => a - b);

describe('getDictionary', () => {
  it('builds each version once and reports its BeginString', () => {
    expect(getDictionary('FIX.4.2')).toBe(fix42);
    expect(fix42.beginString).toBe('FIX.4.2');
    expect(fix44.beginString).toBe('FIX.4.4');
    expect(isSupportedVersion('FIX.4.4')).toBe(true);
    expect(isSupportedVersion('FIX.4.1')).toBe(false);
  });
});

describe('fields', () => {
  it('knows names, numbers and types', () => {
    expect(fix42.fieldName(44)).toBe('Price');
    expect(fix42.fieldType(44)).toBe('PRICE');
    expect(fix42.fieldTag('ClOrdID')).toBe(11);
    expect(fix44.field(52)).toMatchObject({ tag: 52, name: 'SendingTime', type: 'UTCTIMESTAMP' });
    expect(fix42.field(999)).toBeUndefined();
    expect(fix42.isField(5000)).toBe(false);
    // 4.4-only fields are unknown to 4.2
    expect(fix44.fieldName(453)).toBe('NoPartyIDs');
    expect(fix42.isField(453)).toBe(false);
  });

  it('knows enumerations and checks values against them', () => {
    expect(fix42.enumValues(54)?.get('1')).toBe('BUY');
    expect(fix42.isValidValue(21, '3')).toBe(true);
    expect(fix42.isValidValue(21, '4')).toBe(false);
    expect(fix42.isValidValue(167, 'FUT')).toBe(true);
    expect(fix42.isValidValue(167, 'BOO')).toBe(false);
    expect(fix42.isValidValue(55, 'anything')).toBe(true);
  });

  it('checks each space-separated value of a multiple-value field', () => {
    expect(fix42.isMultipleValueField(18)).toBe(true);
    expect(fix42.isValidValue(18, '1 2')).toBe(true);
    expect(fix42.isValidValue(18, '1 Z9')).toBe(false);
  });
});

describe('header and trailer', () => {
  it('lists header fields with their required flag', () => {
    expect(sorted([...fix42.headerFields].filter(([, r]) => r).map(([t]) => t))).toEqual([8, 9, 34, 35, 49, 52, 56]);
    expect(fix42.headerFields.get(115)).toBe(false);
    expect(fix44.headerFields.has(627)).toBe(true);
    expect([...fix42.trailerFields]).toEqual([[93, false], [89, false], [10, true]]);
  });

  it("treats QuickFIX's always-header tags as header in every version, hop entries only inside NoHops", () => {
    expect(fix42.isHeaderField(49)).toBe(true);
    expect(fix42.isHeaderField(1128)).toBe(true);
    expect(fix42.isHeaderField(11)).toBe(false);
    expect(fix44.isHeaderField(628)).toBe(false);
    expect(fix44.headerGroups.get(627)).toMatchObject({ delimiter: 628 });
    expect(fix42.isTrailerField(10)).toBe(true);
    expect(fix42.isTrailerField(93)).toBe(true);
    expect(fix42.isTrailerField(58)).toBe(false);
  });
});

describe('messages', () => {
  it('knows message types, names and categories', () => {
    expect(fix42.isValidMsgType('D')).toBe(true);
    expect(fix42.isValidMsgType('*')).toBe(false);
    expect(fix42.message('D')).toMatchObject({ name: 'NewOrderSingle', category: 'app' });
    expect(fix44.message('A')).toMatchObject({ name: 'Logon', category: 'admin' });
    expect(fix42.isAdminMsgType('0')).toBe(true);
    expect(fix42.isAdminMsgType('8')).toBe(false);
    expect([...fix42.messages()]).toHaveLength(46);
    expect([...fix44.messages()]).toHaveLength(93);
  });

  it('gives the required fields of a NewOrderSingle in each version', () => {
    expect(sorted(fix42.message('D')!.requiredFields)).toEqual([11, 21, 40, 54, 55, 60]);
    // 4.4: HandlInst is optional and QuickFIX's Instrument leaves Symbol optional.
    expect(sorted(fix44.message('D')!.requiredFields)).toEqual([11, 40, 54, 60]);
  });

  it('expands components into the message, required only when the component is', () => {
    const nos = fix44.message('D')!;
    expect(nos.fields.has(55)).toBe(true); // Instrument
    expect(nos.fields.has(453)).toBe(true); // Parties → NoPartyIDs
    expect(nos.fields.has(448)).toBe(false); // PartyID is a group member, not a body field
    // News requires LinesOfTextGrp, whose NoLinesOfText is required
    expect(fix44.message('B')!.requiredFields.has(33)).toBe(true);
  });

  it('describes repeating groups with delimiter, members, required members and nesting', () => {
    const sessions = fix42.group('D', 386)!;
    expect(sessions).toMatchObject({ countTag: 386, delimiter: 336, required: false });
    expect([...sessions.fields]).toEqual([336]);

    const mdEntryTypes = fix42.group('V', 267)!;
    expect(mdEntryTypes.required).toBe(true);
    expect([...mdEntryTypes.requiredFields]).toEqual([269]);

    const parties = fix44.group('D', 453)!;
    expect(parties.delimiter).toBe(448);
    expect(parties.requiredFields.size).toBe(0); // the group is optional, so its members are too
    expect(parties.group(802)?.delimiter).toBe(523); // NoPartySubIDs inside NoPartyIDs
    expect(parties.fieldOrder.slice(0, 4)).toEqual([448, 447, 452, 802]);
  });
});

describe('layoutFor', () => {
  it('lets sortFieldsForSend keep group entries behind their count tag', () => {
    const fields: Field[] = [
      [55, 'INTC'],
      [453, 2],
      [448, 'A'],
      [447, 'D'],
      [452, 1],
      [448, 'B'],
      [447, 'D'],
      [452, 3],
      [11, 'ord-1'],
      [627, 1],
      [628, 'HOP'],
      [49, 'TW44'],
      [34, 2],
    ];
    const { header, body } = sortFieldsForSend(fields, fix44.layoutFor('D'));
    expect(header).toEqual([[34, 2], [49, 'TW44'], [627, 1], [628, 'HOP']]);
    expect(body).toEqual([[11, 'ord-1'], [55, 'INTC'], [453, 2], [448, 'A'], [447, 'D'], [452, 1], [448, 'B'], [447, 'D'], [452, 3]]);
  });
});

describe('generated data modules', () => {
  const root = resolve(import.meta.dirname, '../..');

  it('carry the QuickFIX attribution and do not read the spec at run time', () => {
    for (const file of ['fix42.ts', 'fix44.ts']) {
      const text = readFileSync(resolve(root, 'src/fix/dictionaries', file), 'utf8');
      expect(text).toContain('This product includes software developed by quickfixengine.org');
      expect(text).not.toMatch(/readFile|\.\.\/shared/);
    }
    expect(readFileSync(resolve(root, 'LICENSE-quickfix'), 'utf8')).toContain('The QuickFIX Software License, Version 1.0');
  });

  it.skipIf(!existsSync(resolve(root, '../shared/fix-acceptance/spec/FIX44.xml')))('match what the generator makes from the spec XML', () => {
    execFileSync(process.execPath, [resolve(root, 'scripts/gen-fix-dictionaries.mjs'), '--check'], { stdio: 'pipe' });
  });
});
