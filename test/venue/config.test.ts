import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StpMode } from '../../src/engine/index.js';
import { loadVenueConfig, parseFsyncFlag, parsePortFlag, resolveVenueConfig } from '../../src/venue/config.js';
import { DEFAULT_LISTINGS } from '../../src/venue/instruments.js';

const dir = mkdtempSync(join(tmpdir(), 'crucible-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('venue config', () => {
  it('defaults to FIX on 127.0.0.1:9878 as CRUCIBLE, any client, both versions, the default instruments, no STP, 50,000 orders a second per session', () => {
    const config = resolveVenueConfig();
    expect(config.fix).toEqual({ host: '127.0.0.1', port: 9878, senderCompID: 'CRUCIBLE', beginStrings: ['FIX.4.2', 'FIX.4.4'], session: {}, maxOrdersPerSecond: 50_000 });
    expect(config.fix.clients).toBeUndefined();
    expect(config.listings).toBe(DEFAULT_LISTINGS);
    expect(config.selfTradePrevention).toBe(StpMode.None);
    expect(config.recentOrders).toBe(100_000);
  });

  it('takes what a file names and keeps the defaults for the rest', () => {
    const config = resolveVenueConfig({
      fix: { port: 5001, clients: [{ compID: 'ALGO1', beginString: 'FIX.4.4', password: 'secret' }], session: { heartBtInt: 10, resetOnLogon: true } },
      selfTradePrevention: 'cancelNewest',
      instruments: [{ symbol: 'AAPL', assetClass: 'equity', tickSize: '0.01', lotSize: '1', maxQty: '10000' }],
    });
    expect(config.fix.port).toBe(5001);
    expect(config.fix.host).toBe('127.0.0.1');
    expect(config.fix.clients).toEqual([{ compID: 'ALGO1', beginString: 'FIX.4.4', password: 'secret' }]);
    expect(config.fix.session).toEqual({ heartBtInt: 10, resetOnLogon: true });
    expect(config.selfTradePrevention).toBe(StpMode.CancelNewest);
    expect(config.selfTradePreventionName).toBe('cancelNewest');
    expect(config.listings).toEqual([{ assetClass: 'equity', instrument: { symbol: 'AAPL', tickSize: '0.01', lotSize: '1', maxQty: 10000 } }]);
  });

  it('lets flags override the file', () => {
    const config = resolveVenueConfig({ fix: { port: 5001, host: '127.0.0.2', senderCompID: 'FILE' } }, { fixPort: 0, senderCompID: 'FLAG' });
    expect([config.fix.port, config.fix.host, config.fix.senderCompID]).toEqual([0, '127.0.0.2', 'FLAG']);
    expect(resolveVenueConfig({}, { fixHost: '0.0.0.0' }).fix.host).toBe('0.0.0.0');
  });

  it('checks flags as strictly as the file', () => {
    expect(() => resolveVenueConfig({}, { senderCompID: 'TWO WORDS' })).toThrow(/fix\.senderCompID: printable ASCII without spaces/);
    expect(() => resolveVenueConfig({}, { fixPort: 70000 })).toThrow(/fix\.port/);
  });

  it('names the setting that is wrong', () => {
    expect(() => resolveVenueConfig({ fix: { prot: 9000 } })).toThrow(/venue config: fix: Unrecognized key: "prot"/);
    expect(() => resolveVenueConfig({ fix: { clients: [{ compID: 'any' }] } })).toThrow(/fix\.clients\.0\.compID/);
    expect(() => resolveVenueConfig({ fix: { beginStrings: ['FIX.4.3'] } })).toThrow(/fix\.beginStrings\.0/);
    expect(() => resolveVenueConfig({ selfTradePrevention: 'sometimes' })).toThrow(/selfTradePrevention/);
    expect(() => resolveVenueConfig({ instruments: [{ symbol: 'AAPL', tickSize: '0.01', lotSize: '1', minQty: '0.5' }] })).toThrow(/minQty 0\.5: 1003/);
    expect(() => resolveVenueConfig({ instruments: [{ symbol: 'AAPL', tickSize: 1, lotSize: '1' }] })).toThrow(/venue config: invalid instruments: 0\.tickSize: /);
    expect(() => resolveVenueConfig({ instruments: 7 })).toThrow(/venue config: instruments: /);
    expect(() => resolveVenueConfig([])).toThrow(/expected a JSON object/);
    expect(() => resolveVenueConfig({ fix: 'fast' })).toThrow(/fix: /);
  });

  it('reads a JSON file and names it in errors', () => {
    const file = join(dir, 'venue.json');
    writeFileSync(file, JSON.stringify({ fix: { port: 7001 } }));
    const config = loadVenueConfig(file, { senderCompID: 'X' });
    expect([config.fix.port, config.fix.senderCompID, config.source]).toEqual([7001, 'X', file]);
    writeFileSync(file, JSON.stringify({ fix: { port: -1 } }));
    expect(() => loadVenueConfig(file)).toThrow(`venue config ${file}: fix.port`);
    writeFileSync(file, '{ "fix": ');
    expect(() => loadVenueConfig(file)).toThrow(`cannot read venue config ${file}`);
    expect(loadVenueConfig(undefined, { fixPort: 1 }).fix.port).toBe(1);
  });

  it('reads the instruments from a file named relative to the config file', () => {
    writeFileSync(join(dir, 'listing.json'), JSON.stringify([{ symbol: 'XBTUSD', assetClass: 'crypto', tickSize: '0.5', lotSize: '1' }]));
    const file = join(dir, 'with-listing.json');
    writeFileSync(file, JSON.stringify({ instruments: 'listing.json' }));
    expect(loadVenueConfig(file).listings).toEqual([{ assetClass: 'crypto', instrument: { symbol: 'XBTUSD', tickSize: '0.5', lotSize: '1' } }]);
    writeFileSync(file, JSON.stringify({ instruments: 'missing.json' }));
    expect(() => loadVenueConfig(file)).toThrow(/cannot read instruments from .*missing\.json/);
  });

  it('reads --fix-port as a whole number 0..65535', () => {
    expect(parsePortFlag('0')).toBe(0);
    expect(parsePortFlag('9878')).toBe(9878);
    for (const bad of ['', '-1', '65536', '1.5', 'abc', '0x10']) expect(() => parsePortFlag(bad), bad).toThrow(/--fix-port/);
  });

  it('keeps data in ./data with batched fsync by default; a file names a directory relative to itself, flags override', () => {
    const config = resolveVenueConfig();
    expect(config.dataDir).toBe('./data');
    expect(config.durability).toEqual({ fsync: 'batch', snapshotEveryCommands: 1_000_000, snapshotEverySeconds: 300 });
    const file = join(dir, 'durable.json');
    writeFileSync(file, JSON.stringify({ dataDir: 'state', durability: { fsync: 'off', snapshotEveryCommands: 10, maxBatchDelayMs: 2 } }));
    const fromFile = loadVenueConfig(file);
    expect(fromFile.dataDir).toBe(join(dir, 'state'));
    expect(fromFile.durability).toEqual({ fsync: 'off', maxBatchDelayMs: 2, snapshotEveryCommands: 10, snapshotEverySeconds: 300 });
    const flagged = loadVenueConfig(file, { dataDir: 'elsewhere', fsync: 'batch' });
    expect([flagged.dataDir, flagged.durability.fsync, flagged.durability.snapshotEveryCommands]).toEqual(['elsewhere', 'batch', 10]);
    expect(() => resolveVenueConfig({ durability: { fsync: 'always' } })).toThrow(/durability\.fsync/);
    expect(parseFsyncFlag('off')).toBe('off');
    expect(() => parseFsyncFlag('sometimes')).toThrow('--fsync must be batch or off, got "sometimes"');
  });
});
