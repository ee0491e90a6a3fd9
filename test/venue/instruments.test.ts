import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventRecorder, MatchingEngine } from '../../src/engine/index.js';
import { DEFAULT_INSTRUMENTS, DEFAULT_LISTINGS, loadInstrumentsFile, parseInstruments } from '../../src/venue/instruments.js';

const dir = mkdtempSync(join(tmpdir(), 'crucible-instruments-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('default instruments', () => {
  it('list the equities in cents and whole shares and the crypto pairs on Binance steps', () => {
    expect(DEFAULT_LISTINGS.map((l) => [l.instrument.symbol, l.assetClass, l.instrument.tickSize, l.instrument.lotSize])).toEqual([
      ['AAPL', 'equity', '0.01', '1'],
      ['MSFT', 'equity', '0.01', '1'],
      ['GOOGL', 'equity', '0.01', '1'],
      ['AMZN', 'equity', '0.01', '1'],
      ['TSLA', 'equity', '0.01', '1'],
      ['BTCUSDT', 'crypto', '0.01', '0.00001'],
      ['ETHUSDT', 'crypto', '0.01', '0.0001'],
      ['BNBUSDT', 'crypto', '0.01', '0.001'],
      ['SOLUSDT', 'crypto', '0.01', '0.001'],
    ]);
  });

  it('are all accepted by the engine', () => {
    const engine = new MatchingEngine({ sink: new EventRecorder(), instruments: DEFAULT_INSTRUMENTS });
    expect(engine.instruments().map((i) => i.symbol)).toEqual(DEFAULT_INSTRUMENTS.map((i) => i.symbol));
  });
});

describe('instrument config', () => {
  it('converts decimal limits to ticks and lots exactly', () => {
    const [eth] = parseInstruments([
      { symbol: 'ETHUSDT', assetClass: 'crypto', tickSize: '0.01', lotSize: '0.0001', minQty: '0.001', maxQty: '9000', minPrice: '0.01', maxPrice: '100000', bandBps: 500 },
    ]);
    expect(eth).toEqual({
      assetClass: 'crypto',
      instrument: { symbol: 'ETHUSDT', tickSize: '0.01', lotSize: '0.0001', minQty: 10, maxQty: 90_000_000, minPrice: 1, maxPrice: 10_000_000, bandBps: 500 },
    });
  });

  it('leaves out what the config leaves out, and calls an unclassified instrument "other"', () => {
    expect(parseInstruments([{ symbol: 'XYZ', tickSize: '0.5', lotSize: '10' }])).toEqual([
      { assetClass: 'other', instrument: { symbol: 'XYZ', tickSize: '0.5', lotSize: '10' } },
    ]);
  });

  it('refuses a limit that is off the grid, naming the instrument, the field and the code', () => {
    expect(() => parseInstruments([{ symbol: 'AAPL', tickSize: '0.01', lotSize: '1', minQty: '0.5' }])).toThrow(
      /instruments\[0\] \(AAPL\): minQty 0\.5: 1003 quantity is not a multiple of the instrument lot size/,
    );
    expect(() => parseInstruments([{ symbol: 'AAPL', tickSize: '0.01', lotSize: '1', maxPrice: '100.001' }])).toThrow(/maxPrice 100\.001: 1002/);
  });

  it('refuses every problem at once: duplicates, zero steps, minimums above maximums', () => {
    let message = '';
    try {
      parseInstruments([
        { symbol: 'AAPL', tickSize: '0.01', lotSize: '1' },
        { symbol: 'AAPL', tickSize: '0.01', lotSize: '1' },
        { symbol: 'ZERO', tickSize: '0', lotSize: '1' },
        { symbol: 'BACK', tickSize: '0.01', lotSize: '1', minQty: '10', maxQty: '5' },
      ]);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/instruments\[1\] \(AAPL\): symbol listed twice/);
    expect(message).toMatch(/instruments\[2\] \(ZERO\): tickSize must be above zero/);
    expect(message).toMatch(/instruments\[3\] \(BACK\): 3022/);
  });

  it('refuses unknown fields, numbers where decimals belong and an empty list', () => {
    expect(() => parseInstruments([{ symbol: 'AAPL', tickSize: '0.01', lotSize: '1', tick: '0.01' }])).toThrow(/Unrecognized key/);
    expect(() => parseInstruments([{ symbol: 'AAPL', tickSize: 0.01, lotSize: '1' }])).toThrow(/0\.tickSize/);
    expect(() => parseInstruments([])).toThrow(/at least one instrument/);
    expect(() => parseInstruments({ symbol: 'AAPL' })).toThrow(/invalid instruments/);
  });

  it('reads a JSON file, and names the file when it cannot', () => {
    const file = join(dir, 'instruments.json');
    writeFileSync(file, JSON.stringify([{ symbol: 'SOLUSDT', assetClass: 'crypto', tickSize: '0.01', lotSize: '0.001' }]));
    expect(loadInstrumentsFile(file).map((l) => l.instrument.symbol)).toEqual(['SOLUSDT']);
    writeFileSync(file, '[{');
    expect(() => loadInstrumentsFile(file)).toThrow(new RegExp(`cannot read instruments from ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    expect(() => loadInstrumentsFile(join(dir, 'missing.json'))).toThrow(/missing\.json/);
  });
});

describe('reference prices', () => {
  it('every default listing has one, on its tick grid', async () => {
    const { DEFAULT_LISTINGS } = await import('../../src/venue/instruments.js');
    const { priceToTicks } = await import('../../src/shared/decimal.js');
    for (const l of DEFAULT_LISTINGS) {
      expect(l.referencePrice, l.instrument.symbol).toBeDefined();
      expect(priceToTicks(l.referencePrice!, l.instrument.tickSize).ok).toBe(true);
    }
  });

  it('a configured reference price off the tick grid is refused with its field named', async () => {
    const { parseInstruments } = await import('../../src/venue/instruments.js');
    expect(() => parseInstruments([{ symbol: 'XYZ', tickSize: '0.05', lotSize: '1', referencePrice: '10.01' }])).toThrow(/referencePrice 10.01: 1002/);
    expect(parseInstruments([{ symbol: 'XYZ', tickSize: '0.05', lotSize: '1', referencePrice: '10.05' }])[0]!.referencePrice).toBe('10.05');
  });
});
