import { describe, expect, it } from 'vitest';
import { EventRecorder, MatchingEngine, OrderType, Side, TimeInForce, type EngineCommand } from '../../src/engine/index.js';
import { ManualClock } from '../../src/shared/clock.js';
import { Sequencer, type OrderEntry, type SequencedCommand } from '../../src/venue/sequencer.js';

const T0 = Date.UTC(2024, 0, 2, 14, 30);

const order = (side: Side, price: number, qty: number, account = 1): OrderEntry => ({
  kind: 'new',
  symbol: 'AAPL',
  account,
  side,
  type: OrderType.Limit,
  tif: TimeInForce.GTC,
  price,
  qty,
});

function recording(): { applied: EngineCommand[]; apply(c: EngineCommand): void } {
  const applied: EngineCommand[] = [];
  return { applied, apply: (c) => void applied.push(c) };
}

describe('sequencer', () => {
  it('numbers commands from 1 and gives new orders engine ids of their own', () => {
    const target = recording();
    const sequencer = new Sequencer(target, { clock: new ManualClock(T0) });
    const a = sequencer.newOrder(order(Side.Buy, 100, 5));
    const c = sequencer.submit({ kind: 'cancel', symbol: 'AAPL', orderId: 1, account: 1 });
    const b = sequencer.newOrder(order(Side.Sell, 101, 5));
    expect([a.seq, c.seq, b.seq]).toEqual([1, 2, 3]);
    expect(target.applied.map((x) => [x.kind, 'orderId' in x ? x.orderId : undefined])).toEqual([
      ['new', 1],
      ['cancel', 1],
      ['new', 2],
    ]);
    expect(sequencer.lastSeq).toBe(3);
  });

  it('stamps the clock time, never earlier than the previous command', () => {
    const clock = new ManualClock(T0);
    const target = recording();
    const sequencer = new Sequencer(target, { clock });
    sequencer.newOrder(order(Side.Buy, 100, 5));
    clock.set(T0 - 5_000);
    sequencer.newOrder(order(Side.Buy, 100, 5));
    clock.set(T0 + 7);
    sequencer.submit({ kind: 'endOfDay' });
    expect(target.applied.map((c) => c.time)).toEqual([T0, T0, T0 + 7]);
  });

  it('continues a numbering it is given (a restart from a journal)', () => {
    const target = recording();
    const sequencer = new Sequencer(target, { clock: new ManualClock(T0), firstSeq: 41, firstOrderId: 900 });
    expect(sequencer.newOrder(order(Side.Buy, 100, 5))).toMatchObject({ seq: 41, command: { orderId: 900 } });
  });

  it('shows the stamped command to the journal hook before the engine sees it', () => {
    const seen: string[] = [];
    const target = { apply: (c: EngineCommand) => void seen.push(`apply ${c.kind}`) };
    const sequencer = new Sequencer(target, { clock: new ManualClock(T0), beforeApply: (s: SequencedCommand) => void seen.push(`journal ${s.seq} ${s.command.kind} ${s.command.time}`) });
    sequencer.newOrder(order(Side.Buy, 100, 5));
    expect(seen).toEqual([`journal 1 new ${T0}`, 'apply new']);
  });

  it('applies nothing and spends no number when the journal hook fails', () => {
    const target = recording();
    let failing = true;
    const sequencer = new Sequencer(target, {
      clock: new ManualClock(T0),
      beforeApply: () => {
        if (failing) throw new Error('disk full');
      },
    });
    expect(() => sequencer.newOrder(order(Side.Buy, 100, 5))).toThrow('disk full');
    expect(target.applied).toEqual([]);
    failing = false;
    expect(sequencer.newOrder(order(Side.Buy, 100, 5))).toMatchObject({ seq: 1, command: { orderId: 1 } });
  });

  it('has the engine events out before it returns, with the command in view while they are', () => {
    const recorder = new EventRecorder();
    const late: { sequencer?: Sequencer } = {};
    const seenDuring: Array<number | undefined> = [];
    const engine = new MatchingEngine({ sink: recorder, instruments: [{ symbol: 'AAPL', tickSize: '0.01', lotSize: '1' }] });
    const target = {
      apply(c: EngineCommand) {
        seenDuring.push(late.sequencer?.current?.seq);
        engine.apply(c);
      },
    };
    const sequencer = (late.sequencer = new Sequencer(target, { clock: new ManualClock(T0) }));
    sequencer.newOrder(order(Side.Sell, 10125, 100, 1));
    sequencer.newOrder(order(Side.Buy, 10125, 40, 2));
    expect(seenDuring).toEqual([1, 2]);
    expect(sequencer.current).toBeUndefined();
    const fills = recorder.take().filter((e) => e.type === 'fill');
    expect(fills).toMatchObject([{ price: 10125, qty: 40, takerOrderId: 2, makerOrderId: 1 }]);
  });

  it('refuses a command submitted while another is being applied', () => {
    const late: { sequencer?: Sequencer } = {};
    let inner: unknown;
    const target = {
      apply() {
        try {
          late.sequencer!.submit({ kind: 'endOfDay' });
        } catch (e) {
          inner = e;
        }
      },
    };
    const sequencer = (late.sequencer = new Sequencer(target, { clock: new ManualClock(T0) }));
    sequencer.newOrder(order(Side.Buy, 100, 5));
    expect(String(inner)).toMatch(/while command 1 is being applied/);
    expect(sequencer.lastSeq).toBe(1);
  });
});
