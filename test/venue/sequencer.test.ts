import { describe, expect, it } from 'vitest';
import { OrderType, Side, StpMode, TimeInForce } from '../../src/engine/index.js';
import { ManualClock } from '../../src/shared/clock.js';
import { Sequencer } from '../../src/venue/sequencer.js';
import type { NewOrderVenueCommand, SequencedCommand } from '../../src/venue/venue-commands.js';

const T0 = Date.UTC(2024, 0, 2, 14, 30);

const order = (clOrdId: string, side: Side = Side.Buy): Omit<NewOrderVenueCommand, 'orderId'> => ({
  kind: 'new',
  session: 'FIX.4.4:CRUCIBLE->C',
  clOrdId,
  accountName: 'C',
  symbol: 'AAPL',
  side,
  type: OrderType.Limit,
  tif: TimeInForce.GTC,
  price: 100,
  qty: 5,
  stopPrice: 0,
  displayQty: 0,
  postOnly: false,
  stp: StpMode.None,
});

function recording() {
  const applied: SequencedCommand[] = [];
  return { applied, apply: (s: SequencedCommand) => void applied.push(s) };
}

describe('sequencer', () => {
  it('numbers commands from 1 and gives new orders engine ids of their own', () => {
    const target = recording();
    const sequencer = new Sequencer({ clock: new ManualClock(T0), apply: target.apply });
    const a = sequencer.submit(order('a')).sequenced;
    const c = sequencer.submit({ kind: 'cancel', session: 'FIX.4.4:CRUCIBLE->C', clOrdId: 'c', origClOrdId: 'a', orderId: 1 }).sequenced;
    const b = sequencer.submit(order('b', Side.Sell)).sequenced;
    expect([a.seq, c.seq, b.seq]).toEqual([1, 2, 3]);
    expect(target.applied.map((x) => [x.command.kind, 'orderId' in x.command ? x.command.orderId : undefined])).toEqual([
      ['new', 1],
      ['cancel', 1],
      ['new', 2],
    ]);
    expect(sequencer.state).toEqual({ lastSeq: 3, lastTime: T0, nextOrderId: 3 });
  });

  it('stamps the clock time, never earlier than the previous command', () => {
    const clock = new ManualClock(T0);
    const target = recording();
    const sequencer = new Sequencer({ clock, apply: target.apply });
    sequencer.submit(order('a'));
    clock.set(T0 - 5_000);
    sequencer.submit(order('b'));
    clock.set(T0 + 7);
    sequencer.submit({ kind: 'endOfDay' });
    expect(target.applied.map((c) => c.time)).toEqual([T0, T0, T0 + 7]);
  });

  it('continues the numbering and the time of a recovered state', () => {
    const target = recording();
    const sequencer = new Sequencer({ clock: new ManualClock(T0 - 1000), state: { lastSeq: 40, lastTime: T0, nextOrderId: 900 }, apply: target.apply });
    expect(sequencer.submit(order('a')).sequenced).toMatchObject({ seq: 41, time: T0, command: { orderId: 900 } });
  });

  it('moves its counters past commands replayed from the journal', () => {
    const sequencer = new Sequencer({ clock: new ManualClock(T0), apply: () => {} });
    sequencer.advance({ seq: 1, time: T0 + 5, command: { ...order('a'), orderId: 17 } });
    sequencer.advance({ seq: 2, time: T0 + 3, command: { kind: 'refuse', session: 's', clOrdId: 'x' } });
    expect(sequencer.state).toEqual({ lastSeq: 2, lastTime: T0 + 5, nextOrderId: 18 });
  });

  it('writes the stamped command to the journal before it is applied', () => {
    const seen: string[] = [];
    const sequencer = new Sequencer({
      clock: new ManualClock(T0),
      log: { write: (s) => void seen.push(`journal ${s.seq} ${s.command.kind} ${s.time}`) },
      apply: (s) => void seen.push(`apply ${s.seq}`),
    });
    sequencer.submit(order('a'));
    expect(seen).toEqual([`journal 1 new ${T0}`, 'apply 1']);
  });

  it('applies nothing and spends no number when the journal refuses the command', () => {
    const target = recording();
    let failing = true;
    const sequencer = new Sequencer({
      clock: new ManualClock(T0),
      log: {
        write: () => {
          if (failing) throw new Error('disk full');
        },
      },
      apply: target.apply,
    });
    expect(() => sequencer.submit(order('a'))).toThrow('disk full');
    expect(target.applied).toEqual([]);
    failing = false;
    expect(sequencer.submit(order('a')).sequenced).toMatchObject({ seq: 1, command: { orderId: 1 } });
  });

  it('passes the live context to apply and returns what apply returned, with the command in view meanwhile', () => {
    const late: { sequencer?: Sequencer<string, number> } = {};
    const during: Array<[number | undefined, string | undefined]> = [];
    const sequencer = (late.sequencer = new Sequencer<string, number>({
      clock: new ManualClock(T0),
      apply: (s, context) => {
        during.push([late.sequencer?.current?.seq, context]);
        return s.seq * 10;
      },
    }));
    expect(sequencer.submit(order('a'), 'ctx').result).toBe(10);
    expect(during).toEqual([[1, 'ctx']]);
    expect(sequencer.current).toBeUndefined();
  });

  it('refuses a command submitted while another is being applied', () => {
    const late: { sequencer?: Sequencer } = {};
    let inner: unknown;
    const sequencer = (late.sequencer = new Sequencer({
      clock: new ManualClock(T0),
      apply: () => {
        try {
          late.sequencer!.submit({ kind: 'endOfDay' });
        } catch (e) {
          inner = e;
        }
      },
    }));
    sequencer.submit(order('a'));
    expect(String(inner)).toMatch(/while command 1 is being applied/);
    expect(sequencer.lastSeq).toBe(1);
  });
});
