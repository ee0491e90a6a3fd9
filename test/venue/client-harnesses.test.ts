// The venue against two FIX engines it did not write: QuickFIX C++ (validating everything it
// receives against QuickFIX's own FIX42.xml / FIX44.xml when they are available) and jspurefix. A
// report either of them refuses shows up as a session Reject the client sent, and fails here.
// The first run on a fresh machine installs and compiles the QuickFIX client (test/clients/README.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, exitOf, startVenueProcess, type BuiltCli, type RunningVenue } from '../support/venue-process.js';
import { runJspurefixClient } from '../clients/jspurefix/client.js';
import { ensureQuickfixClients, explainEvents, runQuickfixClient } from '../clients/quickfix/client.js';
import type { BeginString, ClientRun, Step } from '../clients/quickfix/scenario.js';

// The clients meet the venue exactly as `npm start` runs it: the built CLI in its own process.
let cli: BuiltCli;
let venue: RunningVenue;
let port: number;

beforeAll(async () => {
  await ensureQuickfixClients(180_000);
  cli = buildCli('client-harnesses');
  venue = await startVenueProcess(cli, ['--fix-port', '0']);
  port = venue.port;
}, 300_000);

afterAll(async () => {
  if (venue !== undefined) {
    venue.child.kill('SIGTERM');
    const { code } = await exitOf(venue.child);
    expect(code, venue.stderr()).toBe(0);
  }
  cli?.remove();
}, 30_000);

const harnesses = ['quickfix', 'jspurefix'] as const;
const versions: readonly BeginString[] = ['FIX.4.2', 'FIX.4.4'];

/** A day in the life of one client: it trades with itself (STP is off by default). */
const scenario = (p: string): Step[] => [
  { kind: 'new', clOrdId: `${p}1`, symbol: 'AAPL', side: 'sell', ordType: 'limit', price: '101.25', qty: '100', tif: 'gtc' },
  { kind: 'await', count: 1 },
  { kind: 'new', clOrdId: `${p}2`, symbol: 'AAPL', side: 'buy', ordType: 'limit', price: '101.25', qty: '30', tif: 'ioc' },
  { kind: 'await', count: 4 },
  { kind: 'replace', origClOrdId: `${p}1`, clOrdId: `${p}3`, symbol: 'AAPL', side: 'sell', price: '101.5', qty: '90' },
  { kind: 'await', count: 5 },
  { kind: 'status', clOrdId: `${p}3`, symbol: 'AAPL', side: 'sell' },
  { kind: 'await', count: 6 },
  { kind: 'cancel', origClOrdId: `${p}3`, clOrdId: `${p}4`, symbol: 'AAPL', side: 'sell', qty: '90' },
  { kind: 'await', count: 7 },
  { kind: 'cancel', origClOrdId: 'no-such-order', clOrdId: `${p}5`, symbol: 'AAPL', side: 'sell', qty: '1' },
  { kind: 'new', clOrdId: `${p}6`, symbol: 'AAPL', side: 'buy', ordType: 'limit', price: '101.255', qty: '30', tif: 'day' },
  { kind: 'new', clOrdId: `${p}7`, symbol: 'NOPE', side: 'buy', ordType: 'limit', price: '1', qty: '30', tif: 'day' },
  { kind: 'new', clOrdId: `${p}8`, symbol: 'AAPL', side: 'buy', ordType: 'stop', stopPx: '120', qty: '3', tif: 'day' },
  { kind: 'raw', msgType: 'c', fields: [[320, `${p}sd`], [321, '0']] },
  { kind: 'await', count: 12 },
];

async function run(harness: (typeof harnesses)[number], beginString: BeginString): Promise<ClientRun> {
  const senderCompId = `${harness === 'quickfix' ? 'QF' : 'JS'}${beginString.replace(/\D/g, '')}`;
  const options = { port, beginString, senderCompId, steps: scenario(`${senderCompId}-`), timeoutMs: 40_000 };
  return harness === 'quickfix' ? await runQuickfixClient(options) : await runJspurefixClient(options);
}

describe.each(harnesses)('%s client against the venue', (harness) => {
  it.each(versions)('%s: trades, replaces, cancels and is refused, and accepts every message the venue sends', async (beginString) => {
    const result = await run(harness, beginString);
    const why = explainEvents(result.events, result.log);
    expect(result.exitCode, why).toBe(0);
    expect(result.sent.filter((m) => m.msgType === '3'), why).toEqual([]);
    const fix44 = beginString === 'FIX.4.4';
    const summary = result.received.map((m) => [m.msgType, m.fields['150'] ?? m.fields['102'] ?? m.fields['380'], m.fields['39'], m.fields['14'], m.fields['151']]);
    expect(summary, why).toEqual([
      ['8', '0', '0', '0', '100'],
      ['8', '0', '0', '0', '30'],
      ['8', fix44 ? 'F' : '2', '2', '30', '0'],
      ['8', fix44 ? 'F' : '1', '1', '30', '70'],
      ['8', '5', fix44 ? '1' : '5', '30', '60'],
      ['8', fix44 ? 'I' : '1', '1', '30', '60'],
      ['8', '4', '4', '30', '0'],
      ['9', '1', '8', undefined, undefined],
      ['8', '8', '8', '0', '0'],
      ['8', '8', '8', '0', '0'],
      ['8', '0', '0', '0', '3'],
      ['j', '3', undefined, undefined, undefined],
    ]);
    const fill = result.received[2].fields;
    expect([fill['31'], fill['32'], fill['6']], why).toEqual(['101.25', '30', '101.25']);
    expect(result.received[8].fields['58'], why).toBe('1002 price is not a multiple of the instrument tick size: Price 101.255, tick size 0.01');
    expect(result.received[9].fields['103'], why).toBe('1');
  });
});
