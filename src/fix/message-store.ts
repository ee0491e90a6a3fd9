// Where a session keeps its sequence numbers and the messages it sent, so it can answer a
// ResendRequest. The interface is synchronous, as QuickFIX's is: the session decides the next
// sequence number and stores the message before the bytes leave, so a later resend never misses one.

export interface StoredMessage {
  readonly seqNum: number;
  /** The message exactly as it was sent. */
  readonly raw: Buffer;
}

export interface MessageStore {
  getNextSenderMsgSeqNum(): number;
  getNextTargetMsgSeqNum(): number;
  setNextSenderMsgSeqNum(next: number): void;
  setNextTargetMsgSeqNum(next: number): void;
  incrNextSenderMsgSeqNum(): void;
  incrNextTargetMsgSeqNum(): void;
  /** Records a sent message under its MsgSeqNum (replacing any earlier one). */
  set(seqNum: number, raw: Buffer): void;
  /** Sent messages with begin <= seqNum <= end, in ascending order; gaps are simply absent. */
  get(begin: number, end: number): StoredMessage[];
  /** When the store (the current sequence-number epoch) was created, epoch ms. */
  getCreationTime(): number;
  /** Both sequence numbers back to 1, sent messages forgotten, creation time now. */
  reset(): void;
  /** Re-reads state from durable storage; a no-op for a memory store. */
  refresh(): void;
}

/** Creates one store per session. */
export interface MessageStoreFactory {
  create(sessionKey: string): MessageStore;
}

/**
 * A store that lives and dies with the process. Enough for a venue that resets sequence numbers on
 * every logon; a restart-proof store implements the same interface.
 */
export class MemoryMessageStore implements MessageStore {
  private nextSender = 1;
  private nextTarget = 1;
  private readonly messages = new Map<number, Buffer>();
  private creationTime: number;

  constructor(private readonly now: () => number = Date.now) {
    this.creationTime = now();
  }

  getNextSenderMsgSeqNum(): number {
    return this.nextSender;
  }

  getNextTargetMsgSeqNum(): number {
    return this.nextTarget;
  }

  setNextSenderMsgSeqNum(next: number): void {
    this.nextSender = checkSeq(next);
  }

  setNextTargetMsgSeqNum(next: number): void {
    this.nextTarget = checkSeq(next);
  }

  incrNextSenderMsgSeqNum(): void {
    this.nextSender++;
  }

  incrNextTargetMsgSeqNum(): void {
    this.nextTarget++;
  }

  set(seqNum: number, raw: Buffer): void {
    this.messages.set(checkSeq(seqNum), raw);
  }

  get(begin: number, end: number): StoredMessage[] {
    const out: StoredMessage[] = [];
    if (end < begin) return out;
    // A resend usually asks for a short recent range; walking the range beats sorting the whole map
    // unless the range is much wider than what is stored.
    if (end - begin <= this.messages.size * 2) {
      for (let s = begin; s <= end; s++) {
        const raw = this.messages.get(s);
        if (raw !== undefined) out.push({ seqNum: s, raw });
      }
      return out;
    }
    for (const [seqNum, raw] of this.messages) if (seqNum >= begin && seqNum <= end) out.push({ seqNum, raw });
    out.sort((a, b) => a.seqNum - b.seqNum);
    return out;
  }

  getCreationTime(): number {
    return this.creationTime;
  }

  reset(): void {
    this.nextSender = 1;
    this.nextTarget = 1;
    this.messages.clear();
    this.creationTime = this.now();
  }

  refresh(): void {}

  /** Number of sent messages held. */
  get size(): number {
    return this.messages.size;
  }
}

export class MemoryMessageStoreFactory implements MessageStoreFactory {
  constructor(private readonly now: () => number = Date.now) {}

  create(_sessionKey: string): MessageStore {
    return new MemoryMessageStore(this.now);
  }
}

function checkSeq(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`a sequence number must be a positive integer, got ${n}`);
  return n;
}
