import { describe, expect, it } from 'vitest';
import { EventRecorder, StpMode } from '../../src/engine/index.js';
import type { OutgoingMessage } from '../../src/fix/session.js';
import { ManualClock } from '../../src/shared/clock.js';
import { ExecIdSource } from '../../src/venue/execution-reports.js';
import { FixVenueApplication, type VenueSequencer } from '../../src/venue/fix-application.js';
import { DEFAULT_INSTRUMENTS } from '../../src/venue/instruments.js';
import { Outbox } from '../../src/venue/outbox.js';
import { Sequencer } from '../../src/venue/sequencer.js';
import { VenueCore } from '../../src/venue/venue-core.js';
import { received } from './fix-messages.js';

describe('outbox', () => {
  it('holds each delivery until its sequence number is durable, and releases in order', () => {
    const out: string[] = [];
    const outbox = new Outbox(false);
    outbox.push(1, () => out.push('1a'));
    outbox.push(1, () => out.push('1b'));
    outbox.push(2, () => out.push('2'));
    outbox.push(3, () => out.push('3'));
    expect(out).toEqual([]);
    outbox.markDurable(2);
    expect(out).toEqual(['1a', '1b', '2']);
    // Already durable, but behind something that is not: it waits its turn.
    outbox.push(2, () => out.push('2 again'));
    outbox.markDurable(2);
    expect(out).toEqual(['1a', '1b', '2']);
    outbox.markDurable(3);
    expect(out).toEqual(['1a', '1b', '2', '3', '2 again']);
    outbox.push(3, () => out.push('now'));
    expect(out.at(-1)).toBe('now');
    expect(outbox.pending).toBe(0);
  });

  it('delivers at once when there is nothing to wait for, and a failing delivery does not stop the rest', () => {
    const errors: unknown[] = [];
    const out: number[] = [];
    const outbox = new Outbox(true, (e) => errors.push(e));
    outbox.push(5, () => {
      throw new Error('socket gone');
    });
    outbox.push(6, () => out.push(6));
    expect(out).toEqual([6]);
    expect(String(errors[0])).toMatch(/socket gone/);
  });
});

describe('reports and market data wait for the journal', () => {
  it('tell a client and the observers nothing about a command until it is durable', () => {
    const clock = new ManualClock(Date.UTC(2024, 0, 2));
    const core = new VenueCore({ recentOrders: 100, execIds: new ExecIdSource() });
    const observer = new EventRecorder();
    core.addObserver(observer);
    const journal: number[] = [];
    const sequencer: VenueSequencer = new Sequencer({ clock, log: { write: (s) => void journal.push(s.seq) }, apply: (s, c) => core.apply(s, c) });
    sequencer.submit({ kind: 'start', instruments: DEFAULT_INSTRUMENTS });
    const outbox = new Outbox(false);
    const app = new FixVenueApplication({ core, sequencer, outbox, clock, stp: StpMode.None });
    const sent: OutgoingMessage[] = [];
    const session = { key: 'FIX.4.4:CRUCIBLE->W', id: { beginString: 'FIX.4.4', senderCompID: 'CRUCIBLE', targetCompID: 'W' }, send: (m: OutgoingMessage) => (sent.push(m), true) };
    const order = (clOrdID: string, side: string): void =>
      app.handle(received('D', [[11, clOrdID], [21, '1'], [55, 'AAPL'], [54, side], [38, '10'], [40, '2'], [44, '101.00'], [59, '1'], [60, '20240102-00:00:00']], 'FIX.4.4', 'W'), session);

    order('w1', '2');
    order('w2', '1');
    order('w1', '1');
    // The engine has matched and the journal has the commands (the duplicate changes nothing and
    // is not one), but nobody has heard a word.
    expect(journal).toEqual([1, 2, 3]);
    expect(core.engine.book('AAPL')!.order(1)).toBeUndefined();
    expect(sent).toEqual([]);
    expect(observer.take()).toEqual([]);

    outbox.markDurable(2);
    expect(sent.map((m) => [m.get(11), m.get(150)])).toEqual([['w1', '0']]);
    expect(observer.take().map((e) => e.type)).toEqual(['accepted', 'bookLevel', 'topOfBook']);
    outbox.markDurable(3);
    // w2's ack and fills, then the duplicate-ClOrdID reject, which describes the state after them.
    expect(sent.map((m) => [m.get(11), m.get(150), m.get(58)?.slice(0, 4)])).toEqual([
      ['w1', '0', undefined],
      ['w2', '0', undefined],
      ['w2', 'F', undefined],
      ['w1', 'F', undefined],
      ['w1', '8', '1007'],
    ]);
    expect(observer.take().map((e) => e.type)).toContain('fill');
  });
});
