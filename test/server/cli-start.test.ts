// `crucible start` as a real process serves HTTP beside FIX: the third stdout line says where,
// a generated API token goes to stderr, order entry works with it, and SIGTERM closes HTTP first
// and exits 0.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthResponse, orderResponse } from '../../src/protocol/index.js';
import { buildCli, exitOf, startVenueProcess, type BuiltCli } from '../support/venue-process.js';
import { WsTestClient } from './ws-test-client.js';

let cli: BuiltCli;

beforeAll(() => {
  cli = buildCli('server-start');
}, 120_000);

afterAll(() => {
  cli?.remove();
});

/** Waits (bounded) for stdout to hold `n` lines. */
async function lines(read: () => string, n: number): Promise<string[]> {
  const deadline = Date.now() + 15_000;
  while (read().split('\n').length <= n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return read().split('\n');
}

describe('crucible start with HTTP', () => {
  it('prints where HTTP listens on the third line, takes orders with the generated token, and stops cleanly', async () => {
    const run = await startVenueProcess(cli, ['--fix-port', '0']);
    try {
      const out = await lines(run.stdout, 3);
      expect(out[1]).toMatch(/^state: /);
      const m = /^HTTP on http:\/\/127\.0\.0\.1:(\d+) \(REST \/api, WebSocket \/ws, \/health, \/metrics\)$/.exec(out[2]);
      expect(m, out[2]).not.toBeNull();
      const base = `http://127.0.0.1:${m![1]}`;
      const token = /API token for order entry and admin \(generated; --api-token or CRUCIBLE_API_TOKEN sets one\): (\S+)/.exec(run.stderr())?.[1];
      expect(token).toBeDefined();

      const health = healthResponse.parse(await (await fetch(`${base}/health`)).json());
      expect(health.status).toBe('ok');
      const ws = await WsTestClient.connect(`ws://127.0.0.1:${m![1]}/ws`);
      await ws.next((msg) => msg.type === 'snapshot');
      const entry = await fetch(`${base}/api/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ account: 'cli', symbol: 'AAPL', side: 'buy', type: 'limit', price: '101.00', quantity: '3' }),
      });
      expect(entry.status).toBe(201);
      const { order } = orderResponse.parse(await entry.json());
      await ws.next((msg) => msg.type === 'new_order' && msg.order_id === order.order_id);

      run.child.kill('SIGTERM');
      expect((await ws.waitClosed()).code).toBe(1001);
      expect(await exitOf(run.child)).toEqual({ code: 0, signal: null });
      expect(ws.problems).toEqual([]);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('takes --http-port, --api-token and --no-http, and refuses a token that is too short', async () => {
    const token = 'cli-token-0123456789abcdef';
    const run = await startVenueProcess(cli, ['--fix-port', '0', '--http-port', '0', '--api-token', token]);
    try {
      const out = await lines(run.stdout, 3);
      const port = /:(\d+) \(REST/.exec(out[2])![1];
      expect(run.stderr()).not.toMatch(/API token/);
      const guarded = await fetch(`http://127.0.0.1:${port}/api/admin/instruments/AAPL/halt`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect(guarded.status).toBe(200);
    } finally {
      run.child.kill('SIGKILL');
    }

    const off = await startVenueProcess(cli, ['--fix-port', '0', '--no-http']);
    try {
      expect((await lines(off.stdout, 3))[2]).toBe('HTTP off (--no-http)');
    } finally {
      off.child.kill('SIGKILL');
    }

    await expect(startVenueProcess(cli, ['--fix-port', '0', '--api-token', 'short'])).rejects.toThrow(/exited with 2[\s\S]*--api-token: an API token is 16 to 256/);
  });
});
