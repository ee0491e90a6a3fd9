import { describe, expect, it } from 'vitest';
import { BookModel } from '../../web/src/book-model.js';

describe('the order book the ladder draws', () => {
  const book = (): BookModel => {
    const b = new BookModel(2, 0);
    b.apply(
      [
        ['100.07', '10', 1],
        ['100.03', '5', 2],
        ['99.99', '7', 1],
        ['99.90', '1', 1],
      ],
      [
        ['100.11', '4', 1],
        ['100.19', '6', 3],
        ['100.21', '2', 1],
      ],
    );
    return b;
  };

  it('keeps levels by price, removes a level at size 0 and replaces a size', () => {
    const b = book();
    b.apply([['100.03', '0', 0]], [['100.11', '9', 2]]);
    const ladder = b.ladder(10, 1);
    expect(ladder.bids.map((l) => [l.price, l.qty])).toEqual([
      [10007, 10],
      [9999, 7],
      [9990, 1],
    ]);
    expect(ladder.asks[0]).toEqual({ price: 10011, qty: 9, orders: 2, cumulative: 9 });
    expect(b.bestBid()).toBe(10007);
    expect(b.bestAsk()).toBe(10011);
  });

  it('shows best levels first with running totals, cut to the depth', () => {
    const ladder = book().ladder(2, 1);
    expect(ladder.bids.map((l) => l.cumulative)).toEqual([10, 15]);
    expect(ladder.asks.map((l) => l.price)).toEqual([10011, 10019]);
    expect(ladder.maxCumulative).toBe(15);
  });

  it('groups bids down and asks up to the grid, summing sizes exactly', () => {
    // Grouping 0.10: bids 100.07 and 100.03 fold into 100.00, 99.99 and 99.90 into 99.90.
    const ladder = book().ladder(10, 10);
    expect(ladder.bids).toEqual([
      { price: 10000, qty: 15, orders: 3, cumulative: 15 },
      { price: 9990, qty: 8, orders: 2, cumulative: 23 },
    ]);
    // Asks 100.11 and 100.19 fold up into 100.20, 100.21 into 100.30.
    expect(ladder.asks).toEqual([
      { price: 10020, qty: 10, orders: 4, cumulative: 10 },
      { price: 10030, qty: 2, orders: 1, cumulative: 12 },
    ]);
  });

  it('sums fractional lots without float error', () => {
    const b = new BookModel(2, 5);
    b.apply(
      [
        ['65000.01', '0.10000', 1],
        ['65000.02', '0.20000', 1],
      ],
      [],
    );
    const [level] = b.ladder(5, 100).bids;
    expect(level.qty).toBe(30000); // 0.3 exactly, in 0.00001 lots
  });
});
