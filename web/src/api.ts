// The REST calls the dashboard makes (docs/PROTOCOL.md), typed with the protocol's types. Every
// call has a time limit; a route the server does not have answers `unavailable` (404), so a
// panel can say so instead of failing.
import type { FixSessionMessagesResponse, FixSessionsResponse } from '../../src/protocol/fix-sessions.js';
import type { ExecutionsResponse, OrderResponse, OrdersResponse, TradesResponse } from '../../src/protocol/index.js';

const TIMEOUT_MS = 5000;

export type Answer<T> =
  | { readonly ok: true; readonly body: T }
  | {
      readonly ok: false;
      /** HTTP status; 0 when no answer came. */
      readonly status: number;
      /** The server has no such route (or no such thing). */
      readonly unavailable: boolean;
      readonly error: string;
    };

async function getJson<T>(path: string): Promise<Answer<T>> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  try {
    const response = await fetch(path, { signal: abort.signal, headers: { accept: 'application/json' } });
    if (response.status === 404) {
      const body = (await response.json().catch(() => undefined)) as { code?: string; message?: string } | undefined;
      // A 404 for a route the server lacks says "no route"; for a thing it lacks, its own code.
      return { ok: false, status: 404, unavailable: body?.code === 'not_found' || body === undefined, error: body?.message ?? 'not found' };
    }
    if (!response.ok) {
      const body = (await response.json().catch(() => undefined)) as { message?: string } | undefined;
      return { ok: false, status: response.status, unavailable: false, error: body?.message ?? `HTTP ${response.status}` };
    }
    return { ok: true, body: (await response.json()) as T };
  } catch (e) {
    return { ok: false, status: 0, unavailable: false, error: e instanceof Error ? e.message : String(e) };
  } finally {
    clearTimeout(timer);
  }
}

export const api = {
  trades: (symbol: string, limit = 500) => getJson<TradesResponse>(`/api/trades/${encodeURIComponent(symbol)}?limit=${limit}`),
  executions: (limit = 200) => getJson<ExecutionsResponse>(`/api/executions?limit=${limit}`),
  openOrders: (account: string) => getJson<OrdersResponse>(`/api/orders?account=${encodeURIComponent(account)}`),
  order: (id: string) => getJson<OrderResponse>(`/api/orders/${encodeURIComponent(id)}`),
  fixSessions: () => getJson<FixSessionsResponse>('/api/fix/sessions'),
  fixMessages: (key: string, limit = 100) => getJson<FixSessionMessagesResponse>(`/api/fix/sessions/${encodeURIComponent(key)}/messages?limit=${limit}`),
};
