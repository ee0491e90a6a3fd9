// A WebSocket client as a dashboard would write one: every frame checked against the protocol's
// schema, `seq` checked for gaps (a gap sends `resync` and ignores book deltas until the snapshot),
// books rebuilt from the snapshot plus `book` deltas. It can lose a message on purpose.
import WebSocket from 'ws';
import { type ServerMessage, serverFrame } from '../../src/protocol/index.js';
import type { BookLines } from './server-stack.js';

type Level = [string, string, number];

export class WsTestClient {
  readonly messages: ServerMessage[] = [];
  readonly problems: string[] = [];
  /** price → level, per symbol and side. */
  private readonly levels = new Map<string, { buy: Map<string, Level>; sell: Map<string, Level> }>();
  private expectedSeq = 1;
  private waitingForSnapshot = true;
  private lose: ((m: ServerMessage) => boolean) | undefined;
  private waiters: Array<() => void> = [];
  gaps = 0;
  snapshots = 0;
  frames = 0;
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => this.onFrame(String(data), isBinary));
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.wake();
    });
  }

  static connect(url: string): Promise<WsTestClient> {
    const ws = new WebSocket(url);
    const client = new WsTestClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Loses the next message `which` matches, as a network hiccup would. */
  loseNext(which: (m: ServerMessage) => boolean): void {
    this.lose = which;
  }

  /** Resolves with the first message at index ≥ `from` that `which` matches. */
  async next(which: (m: ServerMessage) => boolean, from = 0, timeoutMs = 10_000): Promise<ServerMessage> {
    const deadline = Date.now() + timeoutMs;
    for (let i = from; ; ) {
      for (; i < this.messages.length; i++) if (which(this.messages[i])) return this.messages[i];
      if (this.closed !== undefined) throw new Error(`closed (${this.closed.code} ${this.closed.reason}) while waiting`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message within ${timeoutMs} ms (${this.messages.length} received)`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Sends a ping and waits for its pong: everything the server had to say before it has arrived. */
  async sync(id: string): Promise<void> {
    const from = this.messages.length;
    this.send({ type: 'ping', id });
    await this.next((m) => m.type === 'pong' && m.id === id, from);
  }

  waitClosed(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    if (this.closed !== undefined) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('not closed in time')), timeoutMs);
      this.ws.once('close', (code, reason) => {
        clearTimeout(t);
        resolve({ code, reason: String(reason) });
      });
    });
  }

  /** The books as rebuilt, best first. */
  books(): BookLines {
    const out: BookLines = new Map();
    for (const [symbol, sides] of this.levels) {
      out.set(symbol, {
        buy: [...sides.buy.values()].sort((a, b) => Number(b[0]) - Number(a[0])),
        sell: [...sides.sell.values()].sort((a, b) => Number(a[0]) - Number(b[0])),
      });
    }
    return out;
  }

  close(): void {
    this.ws.close();
  }

  private onFrame(text: string, isBinary: boolean): void {
    this.frames++;
    if (isBinary) this.problems.push('binary frame');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.problems.push(`frame is not JSON: ${text.slice(0, 100)}`);
      return;
    }
    const parsed = serverFrame.safeParse(json);
    if (!parsed.success) {
      this.problems.push(`frame fails the schema: ${JSON.stringify(parsed.error.issues.slice(0, 3))} in ${text.slice(0, 300)}`);
      return;
    }
    for (const message of parsed.data) this.onMessage(message);
    this.wake();
  }

  private onMessage(m: ServerMessage): void {
    if (this.lose?.(m) === true) {
      this.lose = undefined;
      return;
    }
    if (m.seq !== this.expectedSeq) {
      if (m.seq < this.expectedSeq) this.problems.push(`seq went back: ${m.seq} after ${this.expectedSeq - 1}`);
      this.gaps++;
      this.waitingForSnapshot = true;
      this.send({ type: 'resync' });
    }
    this.expectedSeq = m.seq + 1;
    this.messages.push(m);
    if (m.type === 'snapshot') {
      this.snapshots++;
      this.waitingForSnapshot = false;
      this.levels.clear();
      for (const book of m.books) {
        this.levels.set(book.symbol, { buy: new Map(book.buy_orders.map((l) => [l[0], l])), sell: new Map(book.sell_orders.map((l) => [l[0], l])) });
      }
    } else if (m.type === 'book' && !this.waitingForSnapshot) {
      let sides = this.levels.get(m.symbol);
      if (sides === undefined) this.levels.set(m.symbol, (sides = { buy: new Map(), sell: new Map() }));
      for (const [side, levels] of [
        ['buy', m.buy_orders],
        ['sell', m.sell_orders],
      ] as const) {
        for (const level of levels) {
          if (level[1] === '0') sides[side].delete(level[0]);
          else sides[side].set(level[0], level);
        }
      }
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
