import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FixFramer, parseMessage } from '../../src/fix/codec.js';
import {
  encodeMessage,
  formatUtcTimestamp,
  parseUtcTimestamp,
  sortFieldsForSend,
  type Field,
  type FieldLayout,
  type GroupShape,
} from '../../src/fix/encoder.js';

const text = (b: Buffer) => b.toString('utf8').split('\x01').join('|');

/** BodyLength and CheckSum recomputed from scratch, independently of the codec. */
function independentTrailer(b: Buffer): { bodyLength: number; checkSum: string } {
  const s = b.toString('latin1');
  const afterLength = s.indexOf('\x01', s.indexOf('\x019=') + 1) + 1;
  const trailer = s.lastIndexOf('\x0110=') + 1;
  let sum = 0;
  for (let i = 0; i < trailer; i++) sum += s.charCodeAt(i);
  return { bodyLength: trailer - afterLength, checkSum: String(sum % 256).padStart(3, '0') };
}

describe('encodeMessage', () => {
  it('writes 8, 9, 35, the header and body in the order given, then 10', () => {
    const b = encodeMessage(
      'FIX.4.2',
      'D',
      [
        [34, 3],
        [49, 'ISLD'],
        [52, '20240102-03:04:05.006'],
        [56, 'TW42'],
      ],
      [
        [11, 'ID'],
        [21, '3'],
        [40, 1],
        [54, '1'],
        [55, 'INTC'],
      ],
    );
    const { bodyLength, checkSum } = independentTrailer(b);
    expect(text(b)).toBe(
      `8=FIX.4.2|9=${bodyLength}|35=D|34=3|49=ISLD|52=20240102-03:04:05.006|56=TW42|11=ID|21=3|40=1|54=1|55=INTC|10=${checkSum}|`,
    );
  });

  it('produces the BodyLength a QuickFIX transcript expects', () => {
    // 2a: E8=FIX.4.2|9=60|35=2|34=2|49=ISLD|52=...|56=TW42|7=3|16=0|
    const b = encodeMessage('FIX.4.2', '2', [[34, 2], [49, 'ISLD'], [52, '20240102-03:04:05.123'], [56, 'TW42']], [[7, 3], [16, 0]]);
    expect(text(b)).toMatch(/^8=FIX\.4\.2\|9=60\|35=2\|/);
  });

  it('counts BodyLength in bytes for non-ASCII text', () => {
    const b = encodeMessage('FIX.4.4', '0', [[34, 1]], [[58, 'é€']]);
    expect(independentTrailer(b).bodyLength).toBe(Buffer.byteLength('35=0\x0134=1\x0158=é€\x01'));
    expect(parseMessage(b)?.get(58)).toBe('é€');
  });

  it('writes numbers without exponents and negative integers with a sign', () => {
    const b = encodeMessage('FIX.4.4', '8', [], [[44, 101.25], [31, 1e-7], [38, 1e21], [36, -5], [14, 0]]);
    const m = parseMessage(b)!;
    expect(m.get(44)).toBe('101.25');
    expect(m.get(31)).toBe('0.0000001');
    expect(m.get(38)).toBe('1000000000000000000000');
    expect(m.get(36)).toBe('-5');
    expect(m.get(14)).toBe('0');
  });

  it('refuses SOH inside an ordinary value but allows it in a DATA field', () => {
    expect(() => encodeMessage('FIX.4.2', '0', [], [[58, 'a\x01b']])).toThrow(RangeError);
    const b = encodeMessage('FIX.4.2', 'A', [], [[95, 3], [96, 'a\x01b'], [98, 0]]);
    expect(parseMessage(b)?.get(96)).toBe('a\x01b');
  });

  it('round-trips random fields through the framer with correct BodyLength and CheckSum', () => {
    const value = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes('\x01'));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 9999 }).filter((t) => ![8, 9, 10, 35, 89, 91, 96, 213, 349, 351, 353, 355, 357, 359, 361, 363, 365, 446, 619, 622].includes(t)), fc.oneof(value, fc.integer())), { maxLength: 30 }), (fields) => {
        const b = encodeMessage('FIX.4.4', 'D', [[34, 1]], fields as Field[]);
        const f = new FixFramer();
        f.push(b);
        const frame = f.next();
        expect(frame?.kind).toBe('message');
        if (frame?.kind !== 'message') return;
        expect(frame.message.fields().slice(3, -1)).toEqual([[34, '1'], ...fields.map(([t, v]) => [t, String(v)])]);
        const { bodyLength, checkSum } = independentTrailer(b);
        expect(frame.message.getInt(9)).toBe(bodyLength);
        expect(frame.message.get(10)).toBe(checkSum);
      }),
      { numRuns: 300 },
    );
  });

  it('handles a message larger than its working buffer', () => {
    const big = 'x'.repeat(100_000);
    const b = encodeMessage('FIX.4.4', '0', [[34, 1]], [[58, big]]);
    expect(parseMessage(b)?.get(58)).toBe(big);
    const small = encodeMessage('FIX.4.4', '0', [[34, 2]], []);
    expect(parseMessage(small)?.msgSeqNum).toBe(2);
  });
});

describe('sortFieldsForSend', () => {
  it('puts header fields first, each part in ascending tag order, without 8, 9, 35, 10', () => {
    const fields: Field[] = [[8, 'FIX.4.2'], [9, 99], [35, 'D'], [55, 'MSFT'], [11, 'id'], [34, 3], [49, 'TW42'], [60, 't'], [52, 's'], [40, 1], [10, '000']];
    expect(sortFieldsForSend(fields)).toEqual({
      header: [[34, 3], [49, 'TW42'], [52, 's']],
      body: [[11, 'id'], [40, 1], [55, 'MSFT'], [60, 't']],
    });
  });

  it('sorts the body of transcript 21 like QuickFIX', () => {
    const body: Field[] = [[320, 'JCD1091-20021011'], [322, '1034356488676'], [323, 6], [55, 'TBS'], [22, 8], [167, 'OPT'], [336, 'ONE_MAIN'], [58, 'No Products found for this Class Symbol'], [393, 0], [146, 0]];
    expect(sortFieldsForSend(body).body.map(([t]) => t)).toEqual([22, 55, 58, 146, 167, 320, 322, 323, 336, 393]);
  });

  it('keeps repeating group entries behind their count tag, in their own order, nested groups too', () => {
    const legs: GroupShape = { delimiter: 600, members: new Set([600, 624, 539]), group: (t) => (t === 539 ? parties : undefined) };
    const parties: GroupShape = { delimiter: 524, members: new Set([524, 525, 538]), group: () => undefined };
    const layout: FieldLayout = { isHeaderField: (t) => [34, 49, 52, 56].includes(t), group: (t) => (t === 555 ? legs : undefined) };
    const fields: Field[] = [
      [55, 'X'],
      [555, 2],
      [600, 'A'], [624, '1'], [539, 1], [524, 'p'], [538, 3],
      [600, 'B'], [624, '2'],
      [11, 'id'],
      [34, 1],
    ];
    expect(sortFieldsForSend(fields, layout)).toEqual({
      header: [[34, 1]],
      body: [[11, 'id'], [55, 'X'], [555, 2], [600, 'A'], [624, '1'], [539, 1], [524, 'p'], [538, 3], [600, 'B'], [624, '2']],
    });
  });

  it('keeps repeated non-group tags in their original relative order', () => {
    expect(sortFieldsForSend([[58, 'b'], [11, 'x'], [58, 'a']]).body).toEqual([[11, 'x'], [58, 'b'], [58, 'a']]);
  });
});

describe('UTCTimestamp', () => {
  it('formats with and without milliseconds', () => {
    const ms = Date.UTC(2024, 0, 2, 3, 4, 5, 6);
    expect(formatUtcTimestamp(ms, false)).toBe('20240102-03:04:05');
    expect(formatUtcTimestamp(ms, true)).toBe('20240102-03:04:05.006');
    expect(formatUtcTimestamp(Date.UTC(1999, 11, 31, 23, 59, 59, 999), true)).toBe('19991231-23:59:59.999');
  });

  it('parses what it formats', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(9999, 11, 31) }), (ms) => {
        expect(parseUtcTimestamp(formatUtcTimestamp(ms, true))).toBe(ms);
        expect(parseUtcTimestamp(formatUtcTimestamp(ms, false))).toBe(ms - (ms % 1000));
      }),
    );
  });

  it('accepts what QuickFIX accepts: fractions of 0 to 9 digits, a leap second, day 31 of any month', () => {
    expect(parseUtcTimestamp('20240102-03:04:05.123456')).toBe(Date.UTC(2024, 0, 2, 3, 4, 5, 123));
    expect(parseUtcTimestamp('20240102-03:04:05.123456789')).toBe(Date.UTC(2024, 0, 2, 3, 4, 5, 123));
    expect(parseUtcTimestamp('20240102-03:04:05.1')).toBe(Date.UTC(2024, 0, 2, 3, 4, 5, 100));
    expect(parseUtcTimestamp('20240102-03:04:05.')).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(parseUtcTimestamp('20161231-23:59:60')).toBe(Date.UTC(2017, 0, 1));
    expect(parseUtcTimestamp('20240231-00:00:00')).toBe(Date.UTC(2024, 2, 2));
    expect(parseUtcTimestamp('00010101-00:00:00')).toBe(Date.parse('0001-01-01T00:00:00Z'));
  });

  it('rejects malformed or out-of-range timestamps', () => {
    for (const bad of ['', '20240102', '20240102-03:04', '2024012-03:04:05', '20240102 03:04:05', '20241302-03:04:05', '20240100-03:04:05', '20240132-03:04:05', '20240102-24:00:00', '20240102-03:60:00', '20240102-03:04:61', '20240102-03:04:05.1234567890', '20240102-03:04:05Z', '20240102-03:04:05.12a', '+0240102-03:04:05', '2024-102-03:04:05']) {
      expect(parseUtcTimestamp(bad), bad).toBeUndefined();
    }
  });
});
