// What /metrics shows (Prometheus text format): order flow from the released engine events, the
// venue's per-stage latencies and journal fsyncs, the WebSocket hub's clients and what it wrote or
// cut, HTTP requests, and the process's own numbers (memory, CPU, event-loop lag). Each server has a
// registry of its own, so two servers in one process (tests) never share counters.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { type CommandKind, type EngineSink, Side } from '../engine/index.js';
import type { RejectCode } from '../shared/reject-codes.js';
import type { JournalStats } from '../venue/journal.js';
import type { PipelineStage } from '../venue/venue.js';
import type { WsHubMetrics } from './ws-hub.js';

/** Numbers read when /metrics is scraped. */
export interface MetricsSource {
  journalPosition(): { lastSeq: number; durableSeq: number };
  journalStats(): JournalStats | undefined;
  fixSessionsLoggedOn(): number;
  /** Book level updates overwritten before they went out. */
  conflatedLevels(): number;
}

/** Seconds, from 5 µs to 2.5 s: an apply is microseconds, a durable release waits for an fsync. */
const STAGE_BUCKETS = [5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1, 2.5];

export class ServerMetrics implements WsHubMetrics {
  readonly registry = new Registry();
  private readonly orders: Counter<'side'>;
  // Children looked up once: every order counts.
  private readonly buyOrders: ReturnType<Counter<'side'>['labels']>;
  private readonly sellOrders: ReturnType<Counter<'side'>['labels']>;
  private readonly executions: Counter;
  private readonly cancels: Counter;
  private readonly rejects: Counter<'code'>;
  private readonly stages: Histogram<'stage'>;
  // Labelled children looked up once: every command observes both.
  private readonly applyStage: ReturnType<Histogram<'stage'>['labels']>;
  private readonly durableStage: ReturnType<Histogram<'stage'>['labels']>;
  private readonly wsClients: Gauge;
  private readonly wsFrames: Counter;
  private readonly wsMessages: Counter;
  private readonly wsBytes: Counter;
  private readonly wsDropped: Counter<'reason'>;
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;

  constructor(source: MetricsSource) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.orders = new Counter({ name: 'crucible_orders_total', help: 'Orders the matching engine accepted, by side', labelNames: ['side'], registers });
    this.buyOrders = this.orders.labels('buy');
    this.sellOrders = this.orders.labels('sell');
    this.executions = new Counter({ name: 'crucible_executions_total', help: 'Fills (one per trade)', registers });
    this.cancels = new Counter({ name: 'crucible_cancels_total', help: 'Orders or remainders cancelled or expired', registers });
    this.rejects = new Counter({
      name: 'crucible_rejects_total',
      help: 'Requests rejected, by reject code (shared/reject-codes.ts): by the matching engine, or refused by the REST order gateway',
      labelNames: ['code'],
      registers,
    });
    this.stages = new Histogram({
      name: 'crucible_stage_seconds',
      help: 'Per command: apply (sequencer to engine done) and durable (submission to release after the journal sync)',
      labelNames: ['stage'],
      buckets: STAGE_BUCKETS,
      registers,
    });
    this.applyStage = this.stages.labels('apply');
    this.durableStage = this.stages.labels('durable');
    this.wsClients = new Gauge({ name: 'crucible_ws_clients', help: 'WebSocket clients connected', registers });
    this.wsFrames = new Counter({ name: 'crucible_ws_frames_sent_total', help: 'WebSocket frames written (one per client per tick at most)', registers });
    this.wsMessages = new Counter({ name: 'crucible_ws_messages_sent_total', help: 'Messages inside the frames written', registers });
    this.wsBytes = new Counter({ name: 'crucible_ws_bytes_sent_total', help: 'Bytes of the frames written', registers });
    this.wsDropped = new Counter({ name: 'crucible_ws_clients_dropped_total', help: 'WebSocket clients cut, by reason (slow: send buffer over the cap)', labelNames: ['reason'], registers });
    new Gauge({
      name: 'crucible_ws_conflated_levels',
      help: 'Book level updates replaced by a newer value before they were sent (conflation), since start',
      registers,
      collect() {
        this.set(source.conflatedLevels());
      },
    });
    this.httpRequests = new Counter({ name: 'crucible_http_requests_total', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status'], registers });

    new Gauge({
      name: 'crucible_journal_seq',
      help: 'Journal position: last command sequenced (kind="last") and last on disk (kind="durable")',
      labelNames: ['kind'],
      registers,
      collect() {
        const p = source.journalPosition();
        this.set({ kind: 'last' }, p.lastSeq);
        this.set({ kind: 'durable' }, p.durableSeq);
      },
    });
    const journal = (name: string, help: string, read: (s: JournalStats) => number): void => {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const s = source.journalStats();
          if (s !== undefined) this.set(read(s));
        },
      });
    };
    journal('crucible_journal_fsyncs', 'fsync calls of the journal since start', (s) => s.fsyncs);
    journal('crucible_journal_fsync_seconds_sum', 'Time spent in journal fsyncs since start, seconds', (s) => s.fsyncMicrosTotal / 1e6);
    journal('crucible_journal_fsync_seconds_max', 'Longest journal fsync since start, seconds', (s) => s.fsyncMicrosMax / 1e6);
    journal('crucible_journal_fsync_seconds_last', 'The last journal fsync, seconds', (s) => s.fsyncMicros / 1e6);
    journal('crucible_journal_records', 'Records written to the journal since start', (s) => s.records);
    journal('crucible_journal_bytes', 'Bytes written to the journal since start', (s) => s.bytes);
    new Gauge({
      name: 'crucible_fix_sessions_logged_on',
      help: 'FIX sessions logged on',
      registers,
      collect() {
        this.set(source.fixSessionsLoggedOn());
      },
    });
  }

  /** Counts released engine events; attach with venue.core.addObserver. */
  readonly engineObserver: EngineSink = {
    accepted: (_symbol, _orderId, _account, side) => (side === Side.Buy ? this.buyOrders : this.sellOrders).inc(),
    rejected: (_symbol: string, _orderId: number, _account: number, _command: CommandKind, code: RejectCode) => this.rejects.inc({ code: String(code) }),
    fill: () => this.executions.inc(),
    cancelled: () => this.cancels.inc(),
    expired: () => this.cancels.inc(),
    replaced: () => {},
    triggered: () => {},
    bookLevel: () => {},
    topOfBook: () => {},
  };

  /** A request the order gateway refused before the engine saw it. */
  refused(code: number): void {
    this.rejects.inc({ code: String(code) });
  }

  stage(stage: PipelineStage, seconds: number): void {
    (stage === 'apply' ? this.applyStage : this.durableStage).observe(seconds);
  }

  httpRequest(method: string, route: string, status: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
  }

  clients(count: number): void {
    this.wsClients.set(count);
  }

  sent(frames: number, messages: number, bytes: number): void {
    this.wsFrames.inc(frames);
    this.wsMessages.inc(messages);
    this.wsBytes.inc(bytes);
  }

  dropped(reason: 'slow'): void {
    this.wsDropped.inc({ reason });
  }

  /** The exposition text. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
