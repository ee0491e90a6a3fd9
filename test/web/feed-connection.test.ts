import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerMessage } from '../../src/protocol/index.js';
import { type ConnectionStatus, FeedConnection } from '../../web/src/feed-connection.js';

/** A stand-in for the browser's WebSocket: the test opens, feeds and closes it. */
class FakeSocket {
  static readonly OPEN = 1;
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  onerror: (() => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }

  open(): void {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }

  receive(frame: unknown[]): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  send(text: string): void {
    this.sent.push(text);
  }

  close(code = 1000, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

const snapshot = (seq: number) => ({ seq, type: 'snapshot', time: 1, subscription: {}, books: [], recent_executions: [], stats: {}, instruments: [] });
const book = (seq: number) => ({ seq, type: 'book', time: 1, symbol: 'AAPL', buy_orders: [], sell_orders: [] });

describe('the WebSocket connection', () => {
  let applied: ServerMessage[];
  let statuses: ConnectionStatus[];
  let connection: FeedConnection;

  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal('WebSocket', FakeSocket);
    FakeSocket.all = [];
    applied = [];
    statuses = [];
    connection = new FeedConnection({ url: 'ws://venue/ws', onMessages: (m) => applied.push(...m), onStatus: (s) => statuses.push(s) });
    connection.start();
  });

  afterEach(() => {
    connection.stop();
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('is connected once the snapshot is in, and applies messages in order', () => {
    const socket = FakeSocket.all[0];
    socket.open();
    expect(connection.current.state).toBe('connecting');
    socket.receive([snapshot(1), book(2)]);
    expect(connection.current.state).toBe('connected');
    expect(applied.map((m) => m.seq)).toEqual([1, 2]);
  });

  it('asks for a resync on a gap and applies nothing until the fresh snapshot', () => {
    const socket = FakeSocket.all[0];
    socket.open();
    socket.receive([snapshot(1), book(2)]);
    socket.receive([book(4), book(5)]);
    expect(socket.sent).toEqual(['{"type":"resync"}']);
    socket.receive([book(6), snapshot(7), book(8)]);
    expect(applied.map((m) => m.seq)).toEqual([1, 2, 7, 8]);
  });

  it('goes red on a close and retries after about 3 s, then backs off', () => {
    FakeSocket.all[0].open();
    FakeSocket.all[0].receive([snapshot(1)]);
    FakeSocket.all[0].close(1001, 'server shutting down');
    expect(connection.current).toMatchObject({ state: 'disconnected', reason: 'server shutting down (1001)' });
    vi.advanceTimersByTime(2600);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(800);
    expect(FakeSocket.all).toHaveLength(2);
    expect(connection.current).toMatchObject({ state: 'connecting', retrying: true });
    // Refused again: the next wait is longer than the first.
    FakeSocket.all[1].close(1006);
    vi.advanceTimersByTime(3400);
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(1800);
    expect(FakeSocket.all).toHaveLength(3);
    // A new connection numbers from 1 again and starts from its snapshot.
    FakeSocket.all[2].open();
    FakeSocket.all[2].receive([snapshot(1), book(2)]);
    expect(connection.current.state).toBe('connected');
    expect(applied.map((m) => m.seq)).toEqual([1, 1, 2]);
  });

  it('replaces a connection that goes silent', () => {
    FakeSocket.all[0].open();
    FakeSocket.all[0].receive([snapshot(1)]);
    vi.advanceTimersByTime(6000);
    expect(FakeSocket.all[0].sent).toEqual(['{"type":"ping"}']);
    vi.advanceTimersByTime(7000);
    expect(connection.current.state).toBe('disconnected');
  });
});
