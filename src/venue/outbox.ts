// Everything the outside world learns from a command (execution reports, cancel rejects, mass
// cancel reports, market data) waits here, tagged with the command's sequence number, until the
// journal has that command on disk. An acknowledgement a client has read must never describe a
// command a crash can still take back.
//
// One queue for every session and every observer, released strictly in order: tags only grow
// (a command's seq, or for an answer that changes nothing the seq of the last command, whose
// state it describes), so first in is first out and each session sees its messages in the order
// the venue produced them.
export class Outbox {
  private readonly queue: Array<{ readonly seq: number; readonly deliver: () => void }> = [];
  private head = 0;
  private durable: number;
  private releasing = false;

  /**
   * `immediate`: nothing is waited for (no journal, or a journal that does not fsync), so
   * deliveries go out as soon as they are pushed.
   */
  constructor(
    immediate: boolean,
    private readonly onError: (e: unknown) => void = () => {},
  ) {
    this.durable = immediate ? Number.POSITIVE_INFINITY : 0;
  }

  /** Deliveries waiting for the journal. */
  get pending(): number {
    return this.queue.length - this.head;
  }

  /** Sequence number the journal has made durable, as far as the outbox knows. */
  get durableSeq(): number {
    return this.durable;
  }

  push(seq: number, deliver: () => void): void {
    if (seq <= this.durable && this.pending === 0) {
      this.run(deliver);
      return;
    }
    this.queue.push({ seq, deliver });
  }

  /** The journal has everything up to `seq` on disk: release what waited for it. */
  markDurable(seq: number): void {
    if (seq > this.durable) this.durable = seq;
    // A delivery may push (a session answering at once); the loop below picks that up in order.
    if (this.releasing) return;
    this.releasing = true;
    try {
      while (this.head < this.queue.length && this.queue[this.head].seq <= this.durable) this.run(this.queue[this.head++].deliver);
      if (this.head === this.queue.length) {
        this.queue.length = 0;
        this.head = 0;
      } else if (this.head > 4096 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
    } finally {
      this.releasing = false;
    }
  }

  private run(deliver: () => void): void {
    try {
      deliver();
    } catch (e) {
      this.onError(e);
    }
  }
}
