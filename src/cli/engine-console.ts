// The engine console: newline-delimited JSON commands in, one JSON line per engine event out.
// It plays the sequencer's part for a single user: it stamps each command with the clock and
// applies commands one at a time, in input order. A bad line is answered with an error line and
// the console goes on; it never throws out of a line.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { EventRecorder, MatchingEngine, type Instrument } from '../engine/index.js';
import { RejectCode, rejectReason } from '../shared/reject-codes.js';
import { decodeLine } from './console-input.js';
import { formatBook, formatError, formatEvent } from './console-output.js';

/** Wall-clock source for command stamps (epoch milliseconds). */
export type Clock = () => number;

export class EngineConsole {
  private readonly recorder = new EventRecorder();
  private readonly engine: MatchingEngine;
  private readonly instruments: ReadonlyMap<string, Instrument>;
  private lastTime = 0;
  private lineNo = 0;

  constructor(
    instruments: readonly Instrument[],
    private readonly clock: Clock,
  ) {
    this.engine = new MatchingEngine({ sink: this.recorder, instruments });
    this.instruments = new Map(this.engine.instruments().map((i) => [i.symbol, i]));
  }

  /** Handles one input line; returns the output objects, in order (none for a blank or # line). */
  handle(line: string): Array<Record<string, unknown>> {
    this.lineNo++;
    const text = line.trim();
    if (text === '' || text.startsWith('#')) return [];
    // Priority follows time, so a wall clock stepping back must not reorder commands.
    const time = (this.lastTime = Math.max(this.lastTime, this.clock()));
    const decoded = decodeLine(text, this.instruments, time);
    if (!decoded.ok) return [formatError(decoded.error, this.lineNo)];
    const request = decoded.request;
    if (request.kind === 'book') {
      const book = this.engine.book(request.symbol);
      const instrument = this.instruments.get(request.symbol);
      if (book === undefined || instrument === undefined) {
        return [formatError({ code: RejectCode.UnknownSymbol, reason: rejectReason(RejectCode.UnknownSymbol), field: 'symbol' }, this.lineNo)];
      }
      return [formatBook(book, instrument, request.depth)];
    }
    let failure: Record<string, unknown> | undefined;
    try {
      this.engine.apply(request.command);
    } catch (e) {
      const detail = `engine error: ${e instanceof Error ? e.message : String(e)}`;
      failure = formatError({ code: RejectCode.InvalidCommand, reason: rejectReason(RejectCode.InvalidCommand), detail }, this.lineNo);
    }
    const out = this.recorder.take().map((e) => formatEvent(e, this.instruments.get(e.symbol)));
    if (failure !== undefined) out.push(failure);
    return out;
  }
}

/** Runs the console until `input` ends. */
export async function runEngineConsole(engineConsole: EngineConsole, input: Readable, output: Writable): Promise<void> {
  const lines = createInterface({ input, crlfDelay: Infinity, terminal: false });
  for await (const line of lines) {
    let chunk = '';
    for (const obj of engineConsole.handle(line)) chunk += JSON.stringify(obj) + '\n';
    if (chunk !== '' && !output.write(chunk)) await once(output, 'drain');
  }
}
