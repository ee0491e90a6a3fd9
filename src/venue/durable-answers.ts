// Promised answers to in-process callers (the order gateway, the operator's listing requests): an
// answer is given once the journal has the command it describes, in the outbox's order, like a FIX
// report. A venue that stops or fails before then answers "no" instead of leaving the caller waiting.
import { RejectCode, rejectReason } from '../shared/reject-codes.js';
import type { Outbox } from './outbox.js';

/** Refused: the shape every in-process answer shares with its failures. */
export interface Refusal {
  readonly ok: false;
  readonly code: number;
  readonly reason: string;
}

export const refusal = (code: RejectCode, detail?: string): Refusal => ({
  ok: false,
  code,
  reason: detail === undefined ? rejectReason(code) : `${rejectReason(code)}: ${detail}`,
});

export class DurableAnswers {
  private readonly waiting = new Set<(answer: Refusal) => void>();
  private closedWith: Refusal | undefined;

  constructor(private readonly outbox: Outbox) {}

  /** The answer to every request once the venue is stopping or has failed. */
  get closed(): Refusal | undefined {
    return this.closedWith;
  }

  /** Refuses new requests from now on (`detail` says why, beyond "shutting down"); answers already promised still come once durable. */
  close(detail?: string): void {
    this.closedWith ??= refusal(RejectCode.VenueClosing, detail);
  }

  /** `answer` once the journal has command `seq` (or, for an answer that changes nothing, the last command). */
  after<T>(seq: number, answer: T): Promise<T | Refusal> {
    return new Promise((resolve) => {
      let settled = false;
      const abandon = (answer: Refusal): void => {
        if (settled) return;
        settled = true;
        this.waiting.delete(abandon);
        resolve(answer);
      };
      this.waiting.add(abandon);
      this.outbox.push(seq, () => {
        if (settled) return;
        settled = true;
        this.waiting.delete(abandon);
        resolve(answer);
      });
    });
  }

  /** The journal will not make anything more durable: every answer still waiting becomes a refusal. */
  abandon(detail?: string): void {
    this.close(detail);
    const answer = this.closedWith!;
    for (const a of [...this.waiting]) a(answer);
  }

  /** Answers waiting for the journal. */
  get pending(): number {
    return this.waiting.size;
  }
}
