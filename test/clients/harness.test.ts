// Proves the two FIX client harnesses (QuickFIX C++ and jspurefix) against an independent FIX
// engine: the QuickFIX C++ echo acceptor, on a free loopback port. Integration tests against
// the venue reuse these harnesses, so a failure there can be trusted to be the venue's.
// The first run on a fresh machine installs QuickFIX (apt-get) and compiles both binaries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJspurefixClient } from './jspurefix/client.js';
import {
  explainEvents,
  ensureQuickfixClients,
  runQuickfixClient,
  startEchoAcceptor,
  type AcceptorEvent,
  type EchoAcceptor,
} from './quickfix/client.js';
import type { BeginString, ClientRun, Step } from './quickfix/scenario.js';

const versions: readonly BeginString[] = ['FIX.4.2', 'FIX.4.4'];
const tag = (v: BeginString): string => v.replace(/\D/g, '');

type Harness = 'quickfix' | 'jspurefix';
const harnesses: readonly Harness[] = ['quickfix', 'jspurefix'];
const compId = (h: Harness, v: BeginString): string => `${h === 'quickfix' ? 'QF' : 'JS'}${tag(v)}`;

let acceptor: EchoAcceptor;

beforeAll(async () => {
  await ensureQuickfixClients(180_000);
  acceptor = await startEchoAcceptor({
    clients: harnesses.flatMap((h) => versions.map((v) => ({ beginString: v, compId: compId(h, v) }))),
  });
}, 200_000);

afterAll(async () => {
  await acceptor?.stop();
});

async function run(harness: Harness, beginString: BeginString, steps: readonly Step[]): Promise<ClientRun> {
  const options = { port: acceptor.port, beginString, senderCompId: compId(harness, beginString), steps, timeoutMs: 30_000 };
  return harness === 'quickfix' ? await runQuickfixClient(options) : await runJspurefixClient(options);
}

function explain(run: ClientRun): string {
  return `client ${explainEvents(run.events, run.log)}\nacceptor ${explainEvents(acceptor.events, acceptor.log())}`;
}

/** Session Rejects the echo acceptor sent to this client: each is a message QuickFIX's dictionary refused. */
function rejectsFromAcceptor(sender: string): AcceptorEvent[] {
  return acceptor.events.filter((e) => e.event === 'sent' && e.msgType === '3' && e.fields['56'] === sender);
}

describe.each(harnesses)('%s client against the QuickFIX echo acceptor', (harness) => {
  it.each(versions)('%s: logs on, gets one ExecutionReport New for one order, logs out', async (beginString) => {
    const clOrdId = `${harness}-${tag(beginString)}-1`;
    const result = await run(harness, beginString, [
      { kind: 'new', clOrdId, symbol: 'AAPL', side: 'buy', ordType: 'limit', price: '101.25', qty: '100', tif: 'day' },
      { kind: 'await', count: 1, timeoutMs: 5_000 },
      { kind: 'logout' },
    ]);
    const why = explain(result);
    expect(result.exitCode, why).toBe(0);
    expect(result.loggedOn, why).toBe(true);
    expect(result.received.map((m) => m.name), why).toEqual(['ExecutionReport']);
    const er = result.received[0]!.fields;
    expect(er['8'], why).toBe(beginString);
    expect(er['11'], why).toBe(clOrdId);
    expect([er['150'], er['39'], er['55'], er['54'], er['38'], er['44']], why).toEqual(['0', '0', 'AAPL', '1', '100', '101.25']);
    expect(result.loggedOut, why).toBe(true);
    expect(result.sent.map((m) => m.msgType), why).toEqual(['A', 'D', '5']);
    // Each side validated the other against QuickFIX's dictionaries and refused nothing.
    expect(rejectsFromAcceptor(compId(harness, beginString)), why).toEqual([]);
  });

  it('FIX.4.4: replace, status, cancel, unknown cancel and an unsupported message type', async () => {
    const p = `${harness}-full`;
    const result = await run(harness, 'FIX.4.4', [
      { kind: 'new', clOrdId: `${p}-1`, symbol: 'MSFT', side: 'sell', ordType: 'limit', price: '410.5', qty: '30', tif: 'gtc' },
      { kind: 'await', count: 1 },
      { kind: 'replace', origClOrdId: `${p}-1`, clOrdId: `${p}-2`, symbol: 'MSFT', side: 'sell', price: '411', qty: '20' },
      { kind: 'await', count: 2 },
      { kind: 'status', clOrdId: `${p}-2`, symbol: 'MSFT', side: 'sell' },
      { kind: 'await', count: 3 },
      { kind: 'cancel', origClOrdId: `${p}-2`, clOrdId: `${p}-3`, symbol: 'MSFT', side: 'sell', qty: '20' },
      { kind: 'cancel', origClOrdId: 'no-such-order', clOrdId: `${p}-4`, symbol: 'MSFT', side: 'sell' },
      { kind: 'raw', msgType: 'AF', fields: [[584, `${p}-mass`], [585, '7']] },
      { kind: 'await', count: 6 },
      { kind: 'logout', text: 'done' },
    ]);
    const why = explain(result);
    expect(result.exitCode, why).toBe(0);
    const summary = result.received.map((m) => [m.name, m.fields['11'] ?? m.fields['372'], m.fields['150'] ?? m.fields['102'] ?? m.fields['380']]);
    expect(summary, why).toEqual([
      ['ExecutionReport', `${p}-1`, '0'],
      ['ExecutionReport', `${p}-2`, '5'],
      ['ExecutionReport', `${p}-2`, 'I'],
      ['ExecutionReport', `${p}-3`, '4'],
      ['OrderCancelReject', `${p}-4`, '1'],
      ['BusinessMessageReject', 'AF', '3'],
    ]);
    expect(result.received[1]!.fields['41'], why).toBe(`${p}-1`);
    expect(result.sent.at(-1)?.fields['58'], why).toBe('done');
    expect(result.sent.filter((m) => m.msgType === '3'), why).toEqual([]);
    expect(rejectsFromAcceptor(compId(harness, 'FIX.4.4')), why).toEqual([]);
  });
});

describe.each(harnesses)('%s client failure reporting', (harness) => {
  it('exits 3 without logging on when the acceptor does not know the comp id', async () => {
    const options = {
      port: acceptor.port,
      beginString: 'FIX.4.4' as const,
      senderCompId: 'NOT-CONFIGURED',
      steps: [{ kind: 'logout' as const }],
      logonTimeoutMs: 2_000,
      timeoutMs: 20_000,
    };
    const result = harness === 'quickfix' ? await runQuickfixClient(options) : await runJspurefixClient(options);
    const why = explain(result);
    expect(result.exitCode, why).toBe(3);
    expect(result.loggedOn, why).toBe(false);
    expect(result.received, why).toEqual([]);
  });
});
