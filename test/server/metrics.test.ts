// The metrics registry on its own: what the counters count and what a scrape shows.
import { describe, expect, it } from 'vitest';
import { CommandKind, OrderType, Side } from '../../src/engine/index.js';
import { ServerMetrics } from '../../src/server/metrics.js';
import { RejectCode } from '../../src/shared/reject-codes.js';

function metrics(journal = true): ServerMetrics {
  return new ServerMetrics({
    journalPosition: () => ({ lastSeq: 42, durableSeq: 40 }),
    journalStats: () => (journal ? { batches: 3, records: 42, bytes: 4096, fsyncs: 3, fsyncMicros: 250, fsyncMicrosMax: 900, fsyncMicrosTotal: 1500 } : undefined),
    fixSessionsLoggedOn: () => 2,
    conflatedLevels: () => 17,
  });
}

const line = (text: string, name: string): string | undefined => text.split('\n').find((l) => l.startsWith(name));

describe('ServerMetrics', () => {
  it('counts released engine events, refusals by code, stage times, WebSocket traffic and HTTP requests', async () => {
    const m = metrics();
    const o = m.engineObserver;
    o.accepted('AAPL', 1, 1, Side.Buy, OrderType.Limit, 100, 1);
    o.accepted('AAPL', 2, 1, Side.Sell, OrderType.Limit, 100, 1);
    o.accepted('AAPL', 3, 1, Side.Sell, OrderType.Limit, 100, 1);
    o.fill('AAPL', 1, 100, 1, Side.Sell, 2, 1, 0, 1, 1, 1, 0, 1);
    o.rejected('AAPL', 4, 1, CommandKind.New, RejectCode.PriceOutsideBand);
    o.cancelled('AAPL', 3, 1, 1, 0, 0);
    m.refused(RejectCode.PriceNotOnTick);
    m.refused(RejectCode.PriceNotOnTick);
    m.stage('apply', 0.00002);
    m.stage('durable', 0.003);
    m.clients(3);
    m.sent(2, 10, 5000);
    m.dropped('slow');
    m.httpRequest('GET', '/api/book/:symbol', 200);
    const text = await m.text();
    expect(line(text, 'crucible_orders_total{side="buy"}')).toBe('crucible_orders_total{side="buy"} 1');
    expect(line(text, 'crucible_orders_total{side="sell"}')).toBe('crucible_orders_total{side="sell"} 2');
    expect(line(text, 'crucible_executions_total')).toBe('crucible_executions_total 1');
    expect(line(text, 'crucible_cancels_total')).toBe('crucible_cancels_total 1');
    expect(line(text, 'crucible_rejects_total{code="3007"}')).toBe('crucible_rejects_total{code="3007"} 1');
    expect(line(text, 'crucible_rejects_total{code="1002"}')).toBe('crucible_rejects_total{code="1002"} 2');
    expect(line(text, 'crucible_stage_seconds_bucket{le="0.000025",stage="apply"}')).toBe('crucible_stage_seconds_bucket{le="0.000025",stage="apply"} 1');
    expect(line(text, 'crucible_stage_seconds_bucket{le="0.0025",stage="durable"}')).toBe('crucible_stage_seconds_bucket{le="0.0025",stage="durable"} 0');
    expect(line(text, 'crucible_stage_seconds_count{stage="durable"}')).toBe('crucible_stage_seconds_count{stage="durable"} 1');
    expect(line(text, 'crucible_ws_clients ')).toBe('crucible_ws_clients 3');
    expect(line(text, 'crucible_ws_frames_sent_total')).toBe('crucible_ws_frames_sent_total 2');
    expect(line(text, 'crucible_ws_messages_sent_total')).toBe('crucible_ws_messages_sent_total 10');
    expect(line(text, 'crucible_ws_bytes_sent_total')).toBe('crucible_ws_bytes_sent_total 5000');
    expect(line(text, 'crucible_ws_clients_dropped_total')).toBe('crucible_ws_clients_dropped_total{reason="slow"} 1');
    expect(line(text, 'crucible_ws_conflated_levels')).toBe('crucible_ws_conflated_levels 17');
    expect(line(text, 'crucible_http_requests_total')).toBe('crucible_http_requests_total{method="GET",route="/api/book/:symbol",status="200"} 1');
  });

  it('reads the journal and the sessions when scraped', async () => {
    const text = await metrics().text();
    expect(line(text, 'crucible_journal_seq{kind="last"}')).toBe('crucible_journal_seq{kind="last"} 42');
    expect(line(text, 'crucible_journal_seq{kind="durable"}')).toBe('crucible_journal_seq{kind="durable"} 40');
    expect(line(text, 'crucible_journal_fsyncs ')).toBe('crucible_journal_fsyncs 3');
    expect(line(text, 'crucible_journal_fsync_seconds_sum')).toBe('crucible_journal_fsync_seconds_sum 0.0015');
    expect(line(text, 'crucible_journal_fsync_seconds_max')).toBe('crucible_journal_fsync_seconds_max 0.0009');
    expect(line(text, 'crucible_journal_fsync_seconds_last')).toBe('crucible_journal_fsync_seconds_last 0.00025');
    expect(line(text, 'crucible_fix_sessions_logged_on')).toBe('crucible_fix_sessions_logged_on 2');
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    // A venue that keeps no journal has nothing to sync.
    expect(await metrics(false).text()).toMatch(/^crucible_journal_fsyncs 0$/m);
  });

  it('keeps each server’s counters apart', async () => {
    const a = metrics();
    const b = metrics();
    a.refused(1001);
    expect(await a.text()).toMatch(/^crucible_rejects_total\{code="1001"\} 1$/m);
    expect(await b.text()).not.toMatch(/^crucible_rejects_total\{code="1001"\}/m);
  });
});
