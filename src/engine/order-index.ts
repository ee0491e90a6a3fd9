// Order id -> pool slot, an open-addressing hash table in typed arrays (linear probing, deletion by
// backward shift so no tombstones accumulate). Cheaper in time and memory than a Map for the
// millions of numeric ids a busy book sees; ids are positive safe integers, so 0 marks an empty cell.

const MAX_LOAD = 0.5;

export class OrderIndex {
  /** Cell i holds the id at 2i (0: empty) and its slot at 2i + 1, so a probe touches one cache line. */
  private cells: Float64Array<ArrayBuffer>;
  private mask: number;
  private bits: number;
  private count = 0;

  constructor(initialCapacity = 1024) {
    let bits = 4;
    while (1 << bits < initialCapacity) bits++;
    this.cells = new Float64Array(2 << bits);
    this.mask = (1 << bits) - 1;
    this.bits = bits;
  }

  get size(): number {
    return this.count;
  }

  private home(id: number): number {
    // Ids arrive in increasing order, so each run of 8 consecutive ids shares a home block of 8
    // cells (two cache lines): entering orders one after another keeps hitting the same lines.
    // The blocks themselves are spread by Fibonacci hashing (both 32-bit halves), which keeps
    // strided or huge ids from piling up in one region of the table.
    const lo = id | 0;
    const block = (lo >>> 3) ^ Math.imul((id / 4294967296) | 0, 0x85ebca6b);
    return ((Math.imul(block, 0x9e3779b1) >>> (35 - this.bits)) << 3) | (lo & 7);
  }

  /** The slot stored for `id`, or -1. */
  get(id: number): number {
    const cells = this.cells;
    let i = this.home(id);
    for (;;) {
      const k = cells[2 * i];
      // Empty first: 0 marks an empty cell, so get(0) must not match one.
      if (k === 0) return -1;
      if (k === id) return cells[2 * i + 1];
      i = (i + 1) & this.mask;
    }
  }

  has(id: number): boolean {
    return this.get(id) !== -1;
  }

  /** Stores or overwrites the slot for `id`. */
  set(id: number, slot: number): void {
    if (this.count + 1 > (this.mask + 1) * MAX_LOAD) this.grow();
    const cells = this.cells;
    let i = this.home(id);
    for (;;) {
      const k = cells[2 * i];
      if (k === id) {
        cells[2 * i + 1] = slot;
        return;
      }
      if (k === 0) {
        cells[2 * i] = id;
        cells[2 * i + 1] = slot;
        this.count++;
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** Removes `id`; returns false when it was not there. */
  delete(id: number): boolean {
    const cells = this.cells;
    const mask = this.mask;
    let i = this.home(id);
    for (;;) {
      const k = cells[2 * i];
      if (k === 0) return false;
      if (k === id) break;
      i = (i + 1) & mask;
    }
    // Backward shift: pull later members of the probe run into the hole when their home allows it.
    let hole = i;
    let j = (i + 1) & mask;
    for (;;) {
      const k = cells[2 * j];
      if (k === 0) break;
      const h = this.home(k);
      // Move k into the hole unless its home lies cyclically in (hole, j].
      const inRange = hole <= j ? h > hole && h <= j : h > hole || h <= j;
      if (!inRange) {
        cells[2 * hole] = k;
        cells[2 * hole + 1] = cells[2 * j + 1];
        hole = j;
      }
      j = (j + 1) & mask;
    }
    cells[2 * hole] = 0;
    this.count--;
    return true;
  }

  clear(): void {
    this.cells.fill(0);
    this.count = 0;
  }

  /** Calls fn for every entry (in table order, which is not meaningful). */
  forEach(fn: (id: number, slot: number) => void): void {
    const cells = this.cells;
    for (let i = 0; i < cells.length; i += 2) if (cells[i] !== 0) fn(cells[i], cells[i + 1]);
  }

  private grow(): void {
    const old = this.cells;
    const cap = (this.mask + 1) * 2;
    this.cells = new Float64Array(2 * cap);
    this.mask = cap - 1;
    this.bits++;
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.set(old[i], old[i + 1]);
  }
}
