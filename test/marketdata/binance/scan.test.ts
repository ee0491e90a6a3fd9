import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCombinedMessageSlow } from '../../../src/marketdata/binance/parse.js';
import { scanCombinedMessage } from '../../../src/marketdata/binance/scan.js';
import { loadCapture, requireCaptures } from '../../support/fake-binance.js';

const haveCaptures = requireCaptures('scanner differential tests on captured lines');

const depth = '{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1723161255308,"s":"BTCUSDT","U":50093239203,"u":50093239207,"b":[["55653.87000000","0.00000000"]],"a":[["61838.04000000","0.32332000"],["61844.30000000","0.40163000"]]}}';
const trade = '{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}';
const ticker = '{"stream":"btcusdt@bookTicker","data":{"u":50093239212,"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}}';

/** The scanner must either decline or agree with the JSON.parse path exactly. */
function agrees(text: string): boolean {
  const fast = scanCombinedMessage(text, 5);
  if (fast === undefined) return true;
  expect(fast).toEqual(parseCombinedMessageSlow(text, 5));
  return true;
}

describe('scanner', () => {
  it('reads the three common messages exactly as JSON.parse does', () => {
    for (const text of [depth, trade, ticker]) {
      const fast = scanCombinedMessage(text, 5);
      expect(fast).toBeDefined();
      expect(fast).toEqual(parseCombinedMessageSlow(text, 5));
    }
  });

  it('declines what it does not read, leaving it to JSON.parse', () => {
    const declined = [
      depth.replace('"E":', ' "E":'), // whitespace
      trade.replace('"p":"61837.63000000"', '"p":"61837.63000000","p":"1.0"'), // repeated key
      trade.replace('"BTCUSDT"', '"BTC\\u0055SDT"'), // escape
      depth.replace('"E":1723161255308', '"E":1.723161255308e12'), // exponent
      ticker.replace('"u":50093239212', '"u":050093239212'), // leading zero
      '{"stream":"btcusdt@depth5@100ms","data":{"lastUpdateId":1,"bids":[],"asks":[]}}', // partial depth
      `${trade} `,
      trade.replace('}}', ',"x":{}}}'), // unknown key with an object value
      '{"result":null,"id":1}',
    ];
    for (const text of declined) expect(scanCombinedMessage(text, 5), text).toBeUndefined();
  });

  it('skips keys it does not know when their values are simple', () => {
    const withExtra = trade.replace('"M":true', '"M":true,"X":"MARKET","n":null,"longer":-5');
    expect(scanCombinedMessage(withExtra, 5)).toEqual(parseCombinedMessageSlow(withExtra, 5));
    expect(scanCombinedMessage(withExtra, 5)).toBeDefined();
  });

  it('never disagrees with JSON.parse on mutated messages', () => {
    const alphabet = ['"', '\\', ',', ':', '{', '}', '[', ']', '.', '0', '1', '9', '-', 'e', ' ', 'a', 't', 'true', 'null', '""'];
    fc.assert(
      fc.property(
        fc.constantFrom(depth, trade, ticker),
        fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.constantFrom(...alphabet)), { minLength: 1, maxLength: 3 }),
        (base, edits) => {
          let text = base;
          for (const [at, del, ins] of edits) {
            const i = at % (text.length + 1);
            text = text.slice(0, i) + ins + text.slice(i + del);
          }
          return agrees(text);
        },
      ),
      { numRuns: 20_000, seed: 7 },
    );
  });

  it.skipIf(!haveCaptures)('reads every captured stream message (nothing falls back)', () => {
    let declined = 0;
    let lines = 0;
    for (const symbol of ['btcusdt', 'ethusdt']) {
      for (const line of loadCapture(symbol)) {
        if (line.kind === 'snapshot') continue;
        lines++;
        if (scanCombinedMessage(line.json, 1) === undefined) declined++;
      }
    }
    expect(lines).toBeGreaterThan(170_000);
    expect(declined).toBe(0);
  });
});
