import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checksum, FixFramer, parseMessage, tryParseMessage, type Frame } from '../../src/fix/codec.js';
import { Tag } from '../../src/fix/tags.js';

/** Builds wire bytes from '|'-separated text, filling in BodyLength and CheckSum unless given. */
function wire(text: string, opts: { bodyLength?: number; checkSum?: string } = {}): Buffer {
  const fields = text.split('|').filter((f) => f !== '');
  const begin = fields[0];
  const rest = fields.slice(1).map((f) => f + '\x01').join('');
  const bodyLength = opts.bodyLength ?? Buffer.byteLength(rest);
  const head = `${begin}\x019=${bodyLength}\x01${rest}`;
  const sum = opts.checkSum ?? String([...Buffer.from(head)].reduce((a, b) => a + b, 0) % 256).padStart(3, '0');
  return Buffer.from(`${head}10=${sum}\x01`);
}

const heartbeat = (seq: number) => wire(`8=FIX.4.2|35=0|34=${seq}|49=TW42|52=20240102-03:04:05|56=ISLD`);

function drain(framer: FixFramer): Frame[] {
  const out: Frame[] = [];
  for (let f = framer.next(); f !== undefined; f = framer.next()) out.push(f);
  return out;
}

function seqNums(frames: Frame[]): Array<number | string> {
  return frames.map((f) => (f.kind === 'message' ? f.message.msgSeqNum : 'garbled'));
}

describe('checksum', () => {
  it('is the byte sum modulo 256 over the given range', () => {
    const b = Buffer.from([0xff, 0xff, 0x02, 0x10]);
    expect(checksum(b, 0, 4)).toBe((0xff + 0xff + 0x02 + 0x10) % 256);
    expect(checksum(b, 2, 3)).toBe(2);
    expect(checksum(b, 1, 1)).toBe(0);
  });
});

describe('parseMessage', () => {
  it('reads every field in wire order without losing empty values or repeats', () => {
    const m = parseMessage(wire('8=FIX.4.4|35=D|34=7|49=A|56=B|52=20240102-03:04:05.123|11=X|58=|11=Y'))!;
    expect(m).toBeDefined();
    expect(m.beginString).toBe('FIX.4.4');
    expect(m.msgType).toBe('D');
    expect(m.msgSeqNum).toBe(7);
    expect(m.get(Tag.ClOrdID)).toBe('X');
    expect(m.count(Tag.ClOrdID)).toBe(2);
    expect(m.get(Tag.Text)).toBe('');
    expect(m.has(Tag.Text)).toBe(true);
    expect(m.has(Tag.Price)).toBe(false);
    expect(m.get(Tag.Price)).toBeUndefined();
    expect(m.fields().map(([t]) => t)).toEqual([8, 9, 35, 34, 49, 56, 52, 11, 58, 11, 10]);
    expect(m.fieldCount).toBe(11);
    expect(m.tagAt(3)).toBe(34);
    expect(m.valueAt(3)).toBe('7');
    expect(m.toString()).toMatch(/^8=FIX\.4\.4\|9=\d+\|35=D\|34=7\|.*\|10=\d{3}\|$/);
  });

  it('getInt accepts only FIX integers', () => {
    const m = parseMessage(wire('8=FIX.4.2|35=0|34=x|36=-12|38=+5|7=1.0|16= 3|45=007|108='))!;
    expect(m.getInt(34)).toBeUndefined();
    expect(m.msgSeqNum).toBeNaN();
    expect(m.getInt(36)).toBe(-12);
    expect(m.getInt(38)).toBeUndefined();
    expect(m.getInt(7)).toBeUndefined();
    expect(m.getInt(16)).toBeUndefined();
    expect(m.getInt(45)).toBe(7);
    expect(m.getInt(108)).toBeUndefined();
    expect(m.getInt(999)).toBeUndefined();
  });

  it('keeps negative and zero tags so the validator can reject them by number', () => {
    const m = parseMessage(wire('8=FIX.4.2|35=0|34=2|-1=HI|0=HO'))!;
    expect(m.get(-1)).toBe('HI');
    expect(m.get(0)).toBe('HO');
  });

  it('reads non-ASCII values as UTF-8', () => {
    const m = parseMessage(wire('8=FIX.4.4|35=0|34=2|58=prix €'))!;
    expect(m.get(Tag.Text)).toBe('prix €');
  });

  it('takes a DATA field by its declared length even when it holds SOH', () => {
    const m = parseMessage(wire('8=FIX.4.2|35=A|34=1|95=5|96=ab\x01cd|98=0'))!;
    expect(m).toBeDefined();
    expect(m.get(Tag.RawData)).toBe('ab\x01cd');
    expect(m.get(Tag.EncryptMethod)).toBe('0');
  });

  it('refuses wrong BodyLength, wrong CheckSum, misplaced first fields and broken fields', () => {
    const good = 'I8=FIX.4.2|35=0|34=2|49=TW42|56=ISLD'.slice(1);
    expect(parseMessage(wire(good))).toBeDefined();
    expect(tryParseMessage(wire(good, { bodyLength: 5 }))).toMatchObject({ ok: false, reason: expect.stringContaining('BodyLength') });
    expect(tryParseMessage(wire(good, { checkSum: '256' }))).toMatchObject({ ok: false, reason: expect.stringContaining('CheckSum') });
    expect(parseMessage(wire('8=FIX.4.2|34=2|35=0|49=TW42'))).toBeUndefined();
    expect(parseMessage(wire('8=FIX.4.2|35=0|34=2|4garbled9=TW'))).toBeUndefined();
    expect(parseMessage(wire('8=FIX.4.2|35=0|34=2|=x'))).toBeUndefined();
    expect(parseMessage(Buffer.from('8=FIX.4.2\x019=5\x0135=0\x01'))).toBeUndefined();
    expect(parseMessage(Buffer.alloc(0))).toBeUndefined();
  });

  it('accepts a CheckSum written with fewer than three digits when its value is right, as QuickFIX does', () => {
    const b = wire('8=FIX.4.2|35=0|34=2');
    const sum = Number(/10=(\d+)/.exec(b.toString())![1]);
    const short = Buffer.from(b.toString().replace(/10=\d+/, `10=${sum}`));
    expect(parseMessage(short)).toBeDefined();
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        parseMessage(Buffer.from(bytes));
      }),
    );
  });
});

describe('FixFramer', () => {
  it('frames back-to-back messages from one chunk', () => {
    const f = new FixFramer();
    f.push(Buffer.concat([heartbeat(1), heartbeat(2), heartbeat(3)]));
    expect(seqNums(drain(f))).toEqual([1, 2, 3]);
    expect(f.bufferedBytes).toBe(0);
  });

  it('frames a message pushed one byte at a time', () => {
    const f = new FixFramer();
    const bytes = Buffer.concat([heartbeat(1), heartbeat(2)]);
    const frames: Frame[] = [];
    for (const b of bytes) {
      f.push(Buffer.from([b]));
      frames.push(...drain(f));
    }
    expect(seqNums(frames)).toEqual([1, 2]);
  });

  it('frames correctly for every split point of a message pair', () => {
    const bytes = Buffer.concat([heartbeat(4), heartbeat(5)]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const f = new FixFramer();
      f.push(bytes.subarray(0, cut));
      const frames = drain(f);
      f.push(bytes.subarray(cut));
      frames.push(...drain(f));
      expect(seqNums(frames), `cut at ${cut}`).toEqual([4, 5]);
    }
  });

  it('reports a bad CheckSum as garbled and still frames the next message', () => {
    const f = new FixFramer();
    const bad = wire('8=FIX.4.2|35=0|34=2|49=TW42|56=ISLD', { checkSum: '256' });
    f.push(Buffer.concat([heartbeat(1), bad, heartbeat(2)]));
    const frames = drain(f);
    expect(seqNums(frames)).toEqual([1, 'garbled', 2]);
    const g = frames[1];
    expect(g.kind === 'garbled' && g.raw.equals(bad)).toBe(true);
    expect(g.kind === 'garbled' && g.reason).toMatch(/CheckSum/);
    expect(g.kind === 'garbled' && g.msgType).toBe('0');
  });

  it('reports a garbled field between two good messages (transcript 2d)', () => {
    const f = new FixFramer();
    const garbledMsg = Buffer.from('8=FIX.4.2\x019=52\x0135=0\x0134=2\x014garbled9=TW\x0152=20240102-03:04:05\x0156=ISLD\x0110=0\x01');
    f.push(Buffer.concat([heartbeat(1), garbledMsg, heartbeat(2)]));
    expect(seqNums(drain(f))).toEqual([1, 'garbled', 2]);
  });

  it('ends a frame with a too-short BodyLength at its own CheckSum, so only that message is lost', () => {
    const text = '8=FIX.4.2|35=D|34=2|49=TW42|52=20240102-03:04:05|56=ISLD|11=ID|21=3|40=1|54=1|55=INTC';
    const f = new FixFramer();
    f.push(Buffer.concat([wire(text, { bodyLength: 30 }), heartbeat(3)]));
    const frames = drain(f);
    expect(seqNums(frames)).toEqual(['garbled', 3]);
    expect(frames[0].kind === 'garbled' && frames[0].reason).toMatch(/BodyLength/);
  });

  it('lets a too-long BodyLength swallow the next message, as QuickFIX does (transcript 2m)', () => {
    const text = '8=FIX.4.2|35=D|34=4|49=TW42|52=20240102-03:04:05|56=ISLD|11=ID|21=3|40=1|54=1|55=INTC';
    const tooLong = wire(text, { bodyLength: Buffer.byteLength(wire(text)) + 30 });
    const f = new FixFramer();
    f.push(tooLong);
    expect(drain(f)).toEqual([]);
    f.push(heartbeat(5));
    const frames = drain(f);
    expect(seqNums(frames)).toEqual(['garbled']);
    f.push(heartbeat(6));
    expect(seqNums(drain(f))).toEqual([6]);
  });

  it('reports a garbled Logon with its MsgType so a session can disconnect', () => {
    const f = new FixFramer();
    f.push(wire('8=FIX.4.2|35=A|34=1|49=TW42|52=20240102-03:04:05|56=ISLD|98=0|108=30', { bodyLength: 40 }));
    const [frame] = drain(f);
    expect(frame).toMatchObject({ kind: 'garbled', msgType: 'A' });
  });

  it('skips bytes before "8=" and a message that does not start with 8, 9, 35 (transcript 2t)', () => {
    const f = new FixFramer();
    f.push(Buffer.from('\r\njunk'));
    f.push(Buffer.from('35=0\x018=FIX.4.2\x019=29\x0134=2\x0149=TW42\x0152=20240102-03:04:05\x0156=ISLD\x0110=121\x01'));
    f.push(heartbeat(2));
    f.push(wire('8=FIX.4.2|34=3|35=0|49=TW42|52=20240102-03:04:05|56=ISLD'));
    f.push(heartbeat(3));
    expect(seqNums(drain(f))).toEqual(['garbled', 2, 'garbled', 3]);
    expect(f.discardedBytes).toBe('\r\njunk35=0\x01'.length);
  });

  it('finds "8=FIX" right after junk without an SOH, and survives a false start like "58=FIXED"', () => {
    const f = new FixFramer();
    f.push(Buffer.concat([Buffer.from('noise 38=1 34=2'), heartbeat(9)]));
    expect(seqNums(drain(f))).toEqual([9]);
    f.push(Buffer.concat([Buffer.from('x 58=FIXED\x0134=2'), heartbeat(10)]));
    expect(seqNums(drain(f))).toEqual(['garbled', 10]);
  });

  it('reports a BodyLength above the maximum message size as garbled and resynchronises', () => {
    const f = new FixFramer({ maxMessageSize: 100 });
    f.push(Buffer.from('8=FIX.4.2\x019=5000\x0135=D\x0134=2\x0158=aaaaaaaaaaaaaaaaaaaa'));
    const frames = drain(f);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ kind: 'garbled', reason: expect.stringContaining('maximum message size') });
    f.push(Buffer.from('aaaaaaaaaaaaaaa\x01'));
    f.push(heartbeat(3));
    expect(seqNums(drain(f))).toEqual([3]);
    expect(f.bufferedBytes).toBe(0);
  });

  it('reports a BodyLength that is not a number and resynchronises on the next message', () => {
    const f = new FixFramer();
    f.push(Buffer.concat([Buffer.from('8=FIX.4.2\x019=1x\x0135=0\x0134=1\x01'), heartbeat(2)]));
    expect(seqNums(drain(f))).toEqual(['garbled', 2]);
  });

  it('reports a missing BodyLength field as garbled', () => {
    const f = new FixFramer();
    f.push(Buffer.concat([Buffer.from('8=FIX.4.2\x0135=0\x0134=1\x0110=000\x01'), heartbeat(2)]));
    expect(seqNums(drain(f))).toEqual(['garbled', 2]);
  });

  it('keeps a buffered partial message until the rest arrives and bounds junk it holds', () => {
    const f = new FixFramer();
    const m = heartbeat(1);
    f.push(m.subarray(0, 20));
    expect(f.next()).toBeUndefined();
    expect(f.bufferedBytes).toBe(20);
    f.push(m.subarray(20));
    expect(seqNums(drain(f))).toEqual([1]);
    f.push(Buffer.alloc(10_000, 0x41));
    expect(f.next()).toBeUndefined();
    expect(f.bufferedBytes).toBeLessThanOrEqual(5);
    f.push(Buffer.from("AAAA8=FI"));
    f.push(heartbeat(2).subarray(4));
    expect(seqNums(drain(f))).toEqual([2]);
  });

  it('copies each message out, so later pushes do not change earlier messages', () => {
    const f = new FixFramer();
    f.push(heartbeat(1));
    const [first] = drain(f);
    for (let i = 0; i < 200; i++) f.push(heartbeat(i + 2));
    drain(f);
    expect(first.kind === 'message' && first.message.msgSeqNum).toBe(1);
  });

  it('never throws and always reframes a trailing good message after random garbage', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 60 }), fc.constantFrom(...['8=', '9=', '\x0110=', '\x01', '8=FIX.4.2\x019=12\x01'].map((s) => Buffer.from(s))))),
        fc.integer({ min: 1, max: 50 }),
        (pieces, chunk) => {
          const f = new FixFramer({ maxMessageSize: 4096 });
          // A bogus BodyLength may legitimately swallow what follows (up to the maximum message
          // size), so keep sending heartbeats past that bound: the last one must come out whole.
          const bytes = Buffer.concat([...pieces.map((p) => Buffer.from(p)), Buffer.from('\x01')]);
          const frames: Frame[] = [];
          for (let i = 0; i < bytes.length; i += chunk) {
            f.push(bytes.subarray(i, i + chunk));
            frames.push(...drain(f));
          }
          for (let seq = 1; seq <= 80; seq++) {
            f.push(heartbeat(seq));
            frames.push(...drain(f));
          }
          const last = frames[frames.length - 1];
          expect(last?.kind === 'message' && last.message.msgSeqNum).toBe(80);
        },
      ),
      { numRuns: 500 },
    );
  });
});
