// Cases from QuickFIX's acceptance transcripts (definitions/server/fix42 and fix44), with the
// reason, RefTagID and Text each expects, plus the precedence rules that pick the first failure.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseMessage } from '../../src/fix/codec.js';
import { getDictionary } from '../../src/fix/dictionary.js';
import { encodeMessage, sortFieldsForSend, type Field } from '../../src/fix/encoder.js';
import type { FixMessage } from '../../src/fix/fix-message.js';
import { rejectBodyFields, sessionReject } from '../../src/fix/reject-reasons.js';
import { hasValidFormat, validateMessage, validateMessageFully, type ValidationOptions } from '../../src/fix/validator.js';

const T = '20240102-03:04:05';
const fix42 = getDictionary('FIX.4.2');
const fix44 = getDictionary('FIX.4.4');

/** A valid frame for '|'-separated fields after BeginString, as the transcript tester builds it. */
function msg(text: string): FixMessage {
  const [begin, ...rest] = text.replaceAll('<TIME>', T).split('|').filter((f) => f !== '');
  const body = rest.map((f) => f + '\x01').join('');
  const head = `${begin}\x019=${Buffer.byteLength(body)}\x01${body}`;
  const sum = [...Buffer.from(head)].reduce((a, b) => a + b, 0) % 256;
  const m = parseMessage(Buffer.from(`${head}10=${String(sum).padStart(3, '0')}\x01`));
  if (m === undefined) throw new Error(`not a valid frame: ${text}`);
  return m;
}

const v42 = (text: string, options?: ValidationOptions) => validateMessage(msg(`8=FIX.4.2|${text}`), fix42, options);
const v44 = (text: string, options?: ValidationOptions) => validateMessage(msg(`8=FIX.4.4|${text}`), fix44, options);
const HB42 = '35=0|34=2|49=TW42|52=<TIME>|56=ISLD';
const HB44 = '35=0|34=2|49=TW44|52=<TIME>|56=ISLD';
const NOS42 = '35=D|34=2|49=TW42|52=<TIME>|56=ISLD|11=ID|21=1|40=1|54=1|38=200.00|55=INTC|60=<TIME>';

describe('valid messages pass', () => {
  it('accepts Logon, Heartbeat, NewOrderSingle and the transcript-15 reordering', () => {
    expect(v42('35=A|34=1|49=TW42|52=<TIME>|56=ISLD|98=0|108=30')).toBeUndefined();
    expect(v42(HB42)).toBeUndefined();
    expect(v42(NOS42)).toBeUndefined();
    expect(v42('35=D|49=TW42|34=3|56=ISLD|52=<TIME>|40=1|55=MSFT|60=<TIME>|54=1|21=3|11=id')).toBeUndefined();
    expect(v44('35=D|34=2|49=TW44|52=<TIME>|56=ISLD|11=ID|21=1|40=1|54=1|38=002000.00|55=INTC|60=<TIME>|167=FUT')).toBeUndefined();
  });

  it('accepts NumInGroup 0 with no entries (transcript 21)', () => {
    const secDef = '35=d|34=2|49=TW42|56=ISLD|52=<TIME>|320=JCD1091-20021011|322=1034356488676|323=6|55=TBS|22=8|167=OPT|336=ONE_MAIN|58=No Products found for this Class Symbol|393=0|146=0';
    expect(v42(secDef)).toBeUndefined();
    const secDef44 = '35=d|34=2|49=TW44|56=ISLD|52=<TIME>|320=JCD1091-20021011|322=1034356488676|323=6|55=TBS|22=8|167=CS|336=ONE_MAIN|58=No Products found for this Class Symbol|454=0';
    expect(v44(secDef44)).toBeUndefined();
  });

  it('accepts groups whose count matches, nested groups included', () => {
    expect(v42(`${NOS42}|386=2|336=PRE-OPEN|336=AFTER-HOURS`)).toBeUndefined();
    const parties = '453=2|448=A|447=D|452=1|802=1|523=S|803=1|448=B|447=D|452=3';
    expect(v44(`35=D|34=2|49=TW44|52=<TIME>|56=ISLD|11=ID|40=1|54=1|60=<TIME>|${parties}`)).toBeUndefined();
  });

  it('accepts NoHops entries in a FIX.4.4 header', () => {
    expect(v44('35=0|34=2|49=TW44|52=<TIME>|56=ISLD|627=2|628=X|629=<TIME>|628=Y')).toBeUndefined();
  });
});

describe('each reject reason with its exact text (transcripts 14a-14i, 2q, ReverseRoute, RejectResentMessage)', () => {
  it('0 Invalid tag number: undefined, zero, negative and user-defined tags (14a)', () => {
    expect(v42(`${HB42}|999=HI`)).toEqual({ reason: 0, refTagId: 999, text: 'Invalid tag number' });
    expect(v42(`${HB42}|0=HI`)).toEqual({ reason: 0, refTagId: 0, text: 'Invalid tag number' });
    expect(v42(`${HB42}|-1=HI`)).toEqual({ reason: 0, refTagId: -1, text: 'Invalid tag number' });
    expect(v44(`${HB44}|5000=HI`)).toEqual({ reason: 0, refTagId: 5000, text: 'Invalid tag number' });
  });

  it('1 Required tag missing: header first, then body by tag number (14b)', () => {
    expect(v42('35=0|34=2|49=TW42|52=<TIME>')).toEqual({ reason: 1, refTagId: 56, text: 'Required tag missing' });
    expect(v42('35=D|49=TW42|34=3|56=ISLD|52=<TIME>|40=1|60=<TIME>|54=1|21=3|11=id')).toEqual({ reason: 1, refTagId: 55, text: 'Required tag missing' });
    expect(v44('35=D|49=TW44|34=3|56=ISLD|52=<TIME>|40=1|60=<TIME>|54=1|21=3')).toEqual({ reason: 1, refTagId: 11, text: 'Required tag missing' });
  });

  it('1 Required tag missing inside an entry of a required group', () => {
    const mdr = '35=V|34=2|49=TW42|52=<TIME>|56=ISLD|262=req|263=1|264=0|267=1|269=0|146=1|65=X';
    expect(v42(mdr)).toEqual({ reason: 1, refTagId: 55, text: 'Required tag missing' });
  });

  it('2 Tag not defined for this message type (14c)', () => {
    expect(v42(`${HB42}|55=MSFT`)).toEqual({ reason: 2, refTagId: 55, text: 'Tag not defined for this message type' });
  });

  it('4 Tag specified without a value, header before body (14d, ReverseRouteWithEmptyRoutingTags)', () => {
    expect(v42('35=0|34=2|49=TW42|52=<TIME>|56=')).toEqual({ reason: 4, refTagId: 56, text: 'Tag specified without a value' });
    expect(v44('35=D|34=2|49=TW44|52=<TIME>|56=ISLD|115=|11=ID|21=3|38=100|40=1|54=1|55=INTC|60=<TIME>')).toMatchObject({ reason: 4, refTagId: 115 });
    expect(v44('35=D|34=7|49=TW44|52=<TIME>|56=ISLD|128=JCD|129=CS|145=|11=ID|21=3|38=100|40=w|54=1|55=INTC|60=<TIME>')).toMatchObject({
      reason: 4,
      refTagId: 145,
    });
  });

  it('5 Value is incorrect (out of range) for this tag (14e, ReverseRoute)', () => {
    expect(v42(NOS42.replace('21=1', '21=4'))).toEqual({ reason: 5, refTagId: 21, text: 'Value is incorrect (out of range) for this tag' });
    expect(v42(`${NOS42}|167=BOO`)).toEqual({ reason: 5, refTagId: 167, text: 'Value is incorrect (out of range) for this tag' });
    expect(v44('35=D|34=2|49=TW44|52=<TIME>|56=ISLD|115=JCD|11=ID|21=3|38=100|40=w|54=1|55=INTC|60=<TIME>')).toMatchObject({ reason: 5, refTagId: 40 });
  });

  it('6 Incorrect data format for value (14f, RejectResentMessage)', () => {
    expect(v42(NOS42.replace('38=200.00', '38=+200.00'))).toEqual({ reason: 6, refTagId: 38, text: 'Incorrect data format for value' });
    expect(v44('35=D|34=2|43=Y|49=TW44|52=<TIME>|56=ISLD|122=<TIME>|11=ID|21=3|38=100|40=1|54=1|55=IVP|60=<TIME>|126=20040415')).toEqual({
      reason: 6,
      refTagId: 126,
      text: 'Incorrect data format for value',
    });
  });

  it('11 Invalid MsgType, without a RefTagID (2q)', () => {
    expect(v42('35=*|34=2|49=TW42|52=<TIME>|56=ISLD')).toEqual({ reason: 11, text: 'Invalid MsgType' });
  });

  it('13 Tag appears more than once (14h)', () => {
    expect(v42(NOS42.replace('40=1', '40=1|40=2'))).toEqual({ reason: 13, refTagId: 40, text: 'Tag appears more than once' });
    expect(v42(`35=0|34=2|49=TW42|49=TW42|52=<TIME>|56=ISLD`)).toMatchObject({ reason: 13, refTagId: 49 });
  });

  it('14 Tag specified out of required order: a header field after the body (14g)', () => {
    const expected = { reason: 14, refTagId: 34, text: 'Tag specified out of required order' };
    expect(v42('35=D|11=id|21=3|40=1|54=1|55=MSFT|60=<TIME>|34=2|49=TW42|52=<TIME>|56=ISLD')).toEqual(expected);
    expect(v42('35=D|55=MSFT|34=3|49=TW42|52=<TIME>|56=ISLD|11=id|21=3|40=1|54=1|60=<TIME>')).toEqual(expected);
  });

  it('14 Tag specified out of required order: a body field after a trailer field', () => {
    expect(v42(`${HB42}|93=3|89=abc|55=late`)).toEqual({ reason: 14, refTagId: 55, text: 'Tag specified out of required order' });
    expect(v42(`${HB42}|93=3|89=abc|55=late`, { checkFieldsOutOfOrder: false })).toMatchObject({ reason: 2, refTagId: 55 });
  });

  it('15 Repeating group fields out of order, only when asked for (QuickFIX C++ accepts it)', () => {
    // An entry may start at any member; the delimiter (79) always starts a new one.
    expect(v42(NOS42.replace('55=INTC', '55=INTC|78=1|80=100|79=ACC'))).toMatchObject({ reason: 16, refTagId: 78 });
    const noDelimiterFirst = NOS42.replace('55=INTC', '55=INTC|78=1|80=100');
    expect(v42(noDelimiterFirst)).toBeUndefined();
    expect(v42(noDelimiterFirst, { checkGroupDelimiters: true })).toEqual({ reason: 15, refTagId: 80, text: 'Repeating group fields out of order' });
  });

  it('16 Incorrect NumInGroup count for repeating group (14i)', () => {
    expect(v42(`${NOS42}|386=3|336=PRE-OPEN|336=AFTER-HOURS`)).toEqual({
      reason: 16,
      refTagId: 386,
      text: 'Incorrect NumInGroup count for repeating group',
    });
    expect(v44('35=D|34=2|49=TW44|52=<TIME>|56=ISLD|11=ID|21=1|40=1|54=1|38=200.00|55=INTC|386=3|336=PRE-OPEN|336=AFTER-HOURS|60=<TIME>')).toMatchObject({
      reason: 16,
      refTagId: 386,
    });
    expect(v42(`${NOS42}|386=0|336=PRE-OPEN`)).toMatchObject({ reason: 16, refTagId: 386 });
  });
});

describe('which failure QuickFIX reports first', () => {
  it('structure before MsgType before required fields before field checks', () => {
    expect(v42('35=*|55=X|34=2|49=TW42|52=<TIME>|56=ISLD')).toMatchObject({ reason: 14 });
    expect(v42('35=*|34=2|49=TW42|52=<TIME>')).toMatchObject({ reason: 11 });
    expect(v42('35=0|34=2|49=TW42|52=<TIME>|999=x')).toMatchObject({ reason: 1, refTagId: 56 });
  });

  it('header fields, then trailer, then body; in each, ascending tag order', () => {
    expect(v42(`35=0|34=2|49=TW42|52=bad|56=ISLD|999=x`)).toMatchObject({ reason: 6, refTagId: 52 });
    expect(v42(`${HB42}|999=x|112=|998=y`)).toMatchObject({ reason: 4, refTagId: 112 });
    expect(v42(`${HB42}|999=x|-5=y`)).toMatchObject({ reason: 0, refTagId: -5 });
    expect(v42(NOS42.replace('11=ID', '11=ID|999=x').replace('40=1', '40=1|40=1'))).toMatchObject({ reason: 13, refTagId: 40 });
  });

  it('for one field: repeated, empty, format, enum, unknown tag, not in message, group count', () => {
    expect(v42(NOS42.replace('40=1', '40=Z|40='))).toMatchObject({ reason: 5, refTagId: 40 });
    expect(v42(NOS42.replace('40=1', '40=1|40='))).toMatchObject({ reason: 13, refTagId: 40 });
    expect(v42(NOS42.replace('54=1', '54=11'))).toMatchObject({ reason: 6, refTagId: 54 }); // CHAR before enum
    expect(v42(`${HB42}|38=x`)).toMatchObject({ reason: 6, refTagId: 38 }); // format before "not in message"
  });
});

describe('options', () => {
  it('allowUnknownMessageFields lets undefined tags below 5000 through, checkUserDefinedFields=false those from 5000', () => {
    expect(v42(`${HB42}|999=HI`, { allowUnknownMessageFields: true })).toBeUndefined();
    expect(v42(`${HB42}|55=X`, { allowUnknownMessageFields: true })).toBeUndefined();
    expect(v42(`${HB42}|5001=HI`, { allowUnknownMessageFields: true })).toMatchObject({ reason: 0, refTagId: 5001 });
    expect(v42(`${HB42}|5001=HI`, { checkUserDefinedFields: false })).toBeUndefined();
  });

  it('checkFieldsHaveValues=false lets an empty string value through', () => {
    expect(v42(`${HB42}|112=`, { checkFieldsHaveValues: false })).toBeUndefined();
  });
});

describe('hasValidFormat', () => {
  it('follows QuickFIX field convertors', () => {
    const ok: Array<[string, string]> = [
      ['INT', '0'], ['INT', '-12'], ['INT', '007'], ['QTY', '002000.00'], ['PRICE', '1.'], ['PRICE', '.5'], ['PRICE', '-0.5'],
      ['CHAR', 'x'], ['BOOLEAN', 'Y'], ['BOOLEAN', 'N'], ['UTCTIMESTAMP', T], ['UTCTIMESTAMP', `${T}.123`], ['UTCTIMESTAMP', `${T}.123456789`],
      ['UTCTIMEONLY', '03:04:05'], ['UTCTIMEONLY', '03:04:05.123'], ['UTCDATE', '20240102'], ['UTCDATEONLY', '20240229'],
      ['STRING', ''], ['LOCALMKTDATE', 'anything'], ['MONTHYEAR', '202401'],
    ];
    const bad: Array<[string, string]> = [
      ['INT', ''], ['INT', '-'], ['INT', '+1'], ['INT', '1.0'], ['INT', ' 1'], ['QTY', '+200.00'], ['PRICE', '.'], ['PRICE', '1e5'], ['PRICE', '1.2.3'],
      ['CHAR', 'xy'], ['CHAR', ''], ['BOOLEAN', 'y'], ['BOOLEAN', 'YES'], ['UTCTIMESTAMP', '20040415'], ['UTCTIMESTAMP', `${T}Z`],
      ['UTCTIMEONLY', '24:00:00'], ['UTCDATE', '2024010'], ['UTCDATE', '20241301'],
    ];
    for (const [type, value] of ok) expect(hasValidFormat(type, value), `${type} ${value}`).toBe(true);
    for (const [type, value] of bad) expect(hasValidFormat(type, value), `${type} ${value}`).toBe(false);
  });
});

describe('rejectBodyFields', () => {
  /** Encodes a Reject as the acceptor of the transcripts would, SendingTime with milliseconds. */
  const reject = (beginString: string, target: string, fields: Field[]) => {
    const header: Field[] = [[34, 2], [49, 'ISLD'], [52, `${T}.000`], [56, target]];
    const sortedBody = sortFieldsForSend(fields).body;
    return encodeMessage(beginString, '3', header, sortedBody).toString().split('\x01').join('|');
  };

  it('reproduces the FIX.4.2 Rejects of the transcripts byte for byte (up to SendingTime and CheckSum)', () => {
    const ref = { msgSeqNum: '2', msgType: 'D' };
    expect(reject('FIX.4.2', 'TW42', rejectBodyFields('FIX.4.2', sessionReject(14, 34), ref))).toMatch(
      /^8=FIX\.4\.2\|9=108\|35=3\|34=2\|49=ISLD\|52=[^|]+\|56=TW42\|45=2\|58=Tag specified out of required order\|371=34\|372=D\|10=\d{3}\|$/,
    );
    expect(reject('FIX.4.2', 'TW42', rejectBodyFields('FIX.4.2', sessionReject(5, 21), ref))).toMatch(
      /^8=FIX\.4\.2\|9=125\|35=3\|.*\|45=2\|58=Value is incorrect \(out of range\) for this tag\|371=21\|372=D\|373=5\|10=\d{3}\|$/,
    );
    expect(reject('FIX.4.2', 'TW42', rejectBodyFields('FIX.4.2', sessionReject(11), { msgSeqNum: '2', msgType: '*' }))).toMatch(
      /^8=FIX\.4\.2\|9=88\|35=3\|.*\|45=2\|58=Invalid MsgType\|372=\*\|373=11\|10=\d{3}\|$/,
    );
    expect(reject('FIX.4.2', 'TW42', rejectBodyFields('FIX.4.2', sessionReject(0, 0), { msgSeqNum: '3', msgType: '0' }))).toMatch(
      /^8=FIX\.4\.2\|9=96\|35=3\|.*\|45=3\|58=Invalid tag number\|371=0\|372=0\|373=0\|10=\d{3}\|$/,
    );
  });

  it('sends 373 for every reason from FIX.4.4 on', () => {
    expect(reject('FIX.4.4', 'TW44', rejectBodyFields('FIX.4.4', sessionReject(14, 34), { msgSeqNum: '2', msgType: 'D' }))).toMatch(
      /^8=FIX\.4\.4\|9=115\|35=3\|.*\|45=2\|58=Tag specified out of required order\|371=34\|372=D\|373=14\|10=\d{3}\|$/,
    );
  });

  it('puts the tag into the Text before FIX.4.2 and leaves out an absent MsgSeqNum', () => {
    expect(rejectBodyFields('FIX.4.1', sessionReject(1, 56), { msgType: '0' })).toEqual([[58, 'Required tag missing (56)']]);
    expect(sessionReject(15, 11)).toEqual({ reason: 15, refTagId: 11, text: '' });
    expect(rejectBodyFields('FIX.4.4', sessionReject(15, 11), { msgSeqNum: '4', msgType: 'D' })).toEqual([[45, '4'], [372, 'D'], [373, 15]]);
  });
});

describe('the one-pass proof of validity agrees with the full check', () => {
  // Fields of order-entry and admin messages, each with values that are fine, off-format, off-enum,
  // empty or odd, so that generated messages fail in every way the full check knows.
  const pool: Array<[number, string[]]> = [
    [35, ['D', 'F', 'G', '0', 'A', '8', 'ZZ', '']],
    [34, ['2', '-1', 'x', '']],
    [49, ['TW', '']],
    [52, [T, '20240102-3:04:05', 'yesterday', '']],
    [56, ['ISLD']],
    [43, ['Y', 'N', 'maybe']],
    [97, ['Y', 'X']],
    [11, ['ID', 'ID2']],
    [41, ['ORIG']],
    [21, ['1', '2', '3', '9', '12']],
    [40, ['1', '2', '3', 'Z', '22']],
    [54, ['1', '2', '7', 'B', '10']],
    [38, ['100', '1.5', '.5', '5.', '1e3', '-3', 'x']],
    [44, ['10.25', 'ten', '-1.5', '1..2']],
    [55, ['AAPL', 'MSFT']],
    [59, ['0', '1', '3', '6', 'X']],
    [60, [T, '2024-01-02', '']],
    [1, ['ACC']],
    [18, ['M', 'M N', 'Q', 'M Q', '']],
    [111, ['10', 'x']],
    [167, ['CS', 'FUT', 'NOPE']],
    [58, ['text']],
    [386, ['1', '2', '0']],
    [336, ['PRE-OPEN']],
    [453, ['1', '0']],
    [448, ['P']],
    [447, ['D']],
    [452, ['1']],
    [627, ['1']],
    [628, ['X']],
    [5001, ['u']],
    [9999, ['u']],
    [12345, ['u']],
    [98, ['0', '5']],
    [108, ['30', 'x']],
    [10, ['000']],
    [93, ['3']],
    [89, ['abc']],
  ];
  const field = fc.integer({ min: 0, max: pool.length - 1 }).chain((k) => fc.constantFrom(...pool[k]![1]).map((v) => `${pool[k]![0]}=${v}`));
  const base = ['34=2', '49=TW', `52=${T}`, '56=ISLD', '11=ID', '21=1', '40=2', '54=1', '38=100', '44=10.25', '55=AAPL', '59=0', `60=${T}`];
  const edit = fc.oneof(
    fc.record({ op: fc.constant('insert' as const), at: fc.nat(), field }),
    fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('swap' as const), at: fc.nat(), to: fc.nat() }),
  );

  it('on thousands of generated messages in both versions, with and without edits', () => {
    fc.assert(
      fc.property(fc.constantFrom('FIX.4.2', 'FIX.4.4'), fc.constantFrom('D', 'D', 'D', 'F', 'G', '0', 'ZZ'), fc.array(edit, { maxLength: 4 }), (version, msgType, edits) => {
        const fields = [...base];
        for (const e of edits) {
          const i = e.at % (fields.length + (e.op === 'insert' ? 1 : 0));
          if (e.op === 'insert') fields.splice(i, 0, e.field);
          else if (e.op === 'delete' && fields.length > 1) fields.splice(i, 1);
          else if (e.op === 'swap') {
            const j = e.to % fields.length;
            [fields[i], fields[j]] = [fields[j]!, fields[i]!];
          }
        }
        const dict = version === 'FIX.4.2' ? fix42 : fix44;
        // Trailer fields in the pool are inserted anywhere; CheckSum itself is framed by msg().
        const m = msg([`8=${version}`, `35=${msgType}`, ...fields.filter((f) => !f.startsWith('10='))].join('|'));
        expect(validateMessage(m, dict)).toEqual(validateMessageFully(m, dict));
      }),
      { numRuns: 5000, seed: 42 },
    );
  });

  it('a message it proves valid is one the full check passes, and a broken one still gets the full check’s reject', () => {
    const good = msg(`8=FIX.4.4|35=D|${base.join('|')}`);
    expect(validateMessage(good, fix44)).toBeUndefined();
    const badEnum = msg(`8=FIX.4.4|35=D|${base.join('|').replace('54=1', '54=Z')}`);
    expect(validateMessage(badEnum, fix44)).toEqual(sessionReject(5, 54));
  });
});
