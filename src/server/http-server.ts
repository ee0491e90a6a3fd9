// The venue's HTTP face, beside FIX: REST under /api, the WebSocket at /ws, /health, /metrics, the
// OpenAPI description and the dashboard's static files at /. One fastify instance on 127.0.0.1.
//
// It attaches to the venue when created: the market view and the metrics become engine observers
// and start from the books as they are then. Create it before the venue takes orders (before
// `venue.start()`), so the public view holds only what the journal has on disk.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { MarketFeed } from '../marketdata/records.js';
import {
  type ApiError,
  DEFAULT_MARKET_DEPTH,
  fixSessionMessagesQuery,
  fixSessionMessagesResponse,
  fixSessionsResponse,
  type HealthResponse,
  healthResponse,
  marketQuery,
  marketResponse,
  marketSymbolResponse,
  symbolParams,
} from '../protocol/index.js';
import { type ClockScheduler, systemClock } from '../shared/clock.js';
import type { Venue } from '../venue/venue.js';
import { FixSessionsView } from './fix-sessions-view.js';
import { MarketView } from './market-view.js';
import { ServerMetrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import { ReferenceMarket } from './reference-market.js';
import { ApiFailure, registerRestApi, respond, validated } from './rest-api.js';
import { resolveServerConfig, type ServerConfig, type ServerConfigInput } from './server-config.js';
import { registerStrategiesApi, type StrategyControl } from './strategies-api.js';
import { WsHub } from './ws-hub.js';

export interface CrucibleServerOptions {
  readonly venue: Venue;
  readonly config?: ServerConfigInput;
  /** The API token guarding order entry and admin. */
  readonly token: string;
  readonly clock?: ClockScheduler;
  /** Server events (errors answered with 500), one line each. */
  readonly log?: (line: string) => void;
  /** The strategies the venue runs, for /api/strategies; without it the list is empty. */
  readonly strategies?: StrategyControl;
}

/** Where the project's package.json is: version for /health, web/dist for the dashboard. */
const PROJECT_ROOT = findProjectRoot(dirname(fileURLToPath(import.meta.url)));

export const VERSION: string = readVersion(PROJECT_ROOT);

/** What the server is told about a reference feed. */
export interface ReferenceFeedInfo {
  /** 'synthetic', 'binance' or 'replay'. */
  readonly source: string;
  /** Symbols to show (as connecting) before their first record. */
  readonly symbols?: readonly string[];
  /** Tick size per symbol, for the local books (docs/MARKETDATA.md, the local book). */
  readonly tickSizes?: Readonly<Record<string, string>>;
}

export class CrucibleServer {
  readonly config: ServerConfig;
  readonly view: MarketView;
  readonly hub: WsHub;
  readonly metrics: ServerMetrics;
  readonly app: FastifyInstance;
  private readonly venue: Venue;
  private readonly clock: ClockScheduler;
  private readonly startedAt: number;
  private failure: Error | undefined;
  private closing: Promise<void> | undefined;
  private referenceMarket: ReferenceMarket | undefined;

  /** Attaches to the venue and builds the routes; `listen` opens the port. */
  static async create(options: CrucibleServerOptions): Promise<CrucibleServer> {
    const server = new CrucibleServer(options);
    await server.routes(options);
    return server;
  }

  private constructor(options: CrucibleServerOptions) {
    const { venue } = options;
    this.venue = venue;
    this.config = resolveServerConfig(options.config);
    this.clock = options.clock ?? systemClock;
    this.startedAt = this.clock.now();
    this.view = new MarketView({
      source: {
        instrument: (s) => venue.engine.instrument(s),
        book: (s) => venue.engine.book(s),
        listings: () => venue.listings(),
        eventTime: () => venue.core.eventTime,
      },
      clock: this.clock,
      tradesPerSymbol: this.config.tradesPerSymbol,
      recentExecutions: this.config.recentExecutions,
    });
    this.metrics = new ServerMetrics({
      journalPosition: () => venue.journalPosition(),
      journalStats: () => venue.journalStats(),
      fixSessionsLoggedOn: () => loggedOn(venue),
      conflatedLevels: () => this.view.conflated,
    });
    // Seeded and attached in one synchronous step: no command falls between the two.
    venue.core.addObserver(this.view);
    venue.core.addObserver(this.metrics.engineObserver);
    venue.onListingsChanged(() => this.view.refreshListings());
    venue.onStageTimes((stage, seconds) => this.metrics.stage(stage, seconds));
    venue.onFatal((e) => (this.failure = e));
    venue.onSessionState((session, state) => this.hub.sessionChanged(session, state));
    this.hub = new WsHub({
      view: this.view,
      clock: this.clock,
      intervalMs: this.config.wsIntervalMs,
      flushIntervalMs: this.config.wsFlushMs,
      statsIntervalMs: this.config.statsIntervalMs,
      maxBufferedBytes: this.config.maxBufferedBytes,
      metrics: this.metrics,
    });
    const log = options.log ?? (() => {});
    this.app = Fastify({ logger: false, bodyLimit: this.config.bodyLimitBytes });
    this.app.setErrorHandler((error: FastifyError | ApiFailure, request, reply) => {
      const { status, body } = errorAnswer(error);
      if (status >= 500) log(`http: ${request.method} ${request.url} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      void reply.code(status).send(body);
    });
  }

  /** Opens the port; resolves with the address (port 0 in the config picks a free one). */
  async listen(): Promise<{ host: string; port: number }> {
    await this.app.listen({ host: this.config.host, port: this.config.port });
    const address = this.app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : this.config.port;
    return { host: this.config.host, port };
  }

  /**
   * Shows an outside market beside the venue's books: GET /api/market, the WebSocket `market`
   * channel, /health's `feed`, /metrics. The server reads the feed in the background until it ends
   * or the server closes; closing the feed itself stays with its owner. Once per server.
   */
  attachReferenceFeed(feed: MarketFeed, info: ReferenceFeedInfo): ReferenceMarket {
    if (this.referenceMarket !== undefined) throw new Error('a reference feed is already attached');
    const market = new ReferenceMarket({
      source: info.source,
      clock: this.clock,
      ...(info.symbols !== undefined ? { symbols: info.symbols } : {}),
      ...(info.tickSizes !== undefined ? { tickSizes: info.tickSizes } : {}),
    });
    this.referenceMarket = market;
    market.registerMetrics(this.metrics.registry);
    this.hub.attachReference(market);
    void market.consume(feed);
    return market;
  }

  /** The reference market, once a feed is attached. */
  get reference(): ReferenceMarket | undefined {
    return this.referenceMarket;
  }

  /** Closes WebSocket clients (1001) and the HTTP server; /health says "stopping" meanwhile. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.referenceMarket?.stop();
      this.hub.close();
      await this.app.close();
    })();
    return this.closing;
  }

  health(): HealthResponse {
    const position = this.venue.journalPosition();
    const status = this.failure !== undefined ? 'failed' : this.closing !== undefined ? 'stopping' : 'ok';
    return {
      status,
      version: VERSION,
      uptime_seconds: Math.max(0, (this.clock.now() - this.startedAt) / 1000),
      journal: { last_seq: position.lastSeq, durable_seq: position.durableSeq },
      fix: { sessions_logged_on: loggedOn(this.venue) },
      ws_clients: this.hub.clientCount,
      feed: this.referenceMarket?.state ?? 'none',
      ...(this.failure !== undefined ? { error: this.failure.message } : {}),
    };
  }

  private async routes(options: CrucibleServerOptions): Promise<void> {
    const { app, config } = this;
    // Only JSON bodies: anything else is a 415, not a string the handlers would have to refuse.
    app.removeContentTypeParser('text/plain');
    app.addHook('onResponse', async (request, reply) => {
      this.metrics.httpRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode);
    });
    app.setNotFoundHandler((request, reply) => {
      void reply.code(404).send({ code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } satisfies ApiError);
    });

    await app.register(fastifyWebsocket, { options: { maxPayload: config.maxWsMessageBytes } });
    app.route({
      method: 'GET',
      url: '/ws',
      handler: async (_request, reply) =>
        reply.code(426).header('upgrade', 'websocket').send({ code: 'invalid_request', message: '/ws is a WebSocket: connect with a WebSocket client (docs/PROTOCOL.md)' } satisfies ApiError),
      wsHandler: (socket) => this.hub.attach(socket),
    });

    app.get('/health', async (_request, reply) => {
      const health = this.health();
      return respond(reply, health.status === 'ok' ? 200 : 503, healthResponse, health);
    });
    app.get('/metrics', async (_request, reply) => reply.type(this.metrics.contentType).send(await this.metrics.text()));
    const openapi = openApiDocument(VERSION);
    app.get('/api/openapi.json', async () => openapi);

    registerRestApi(app, {
      view: this.view,
      venue: this.venue,
      token: options.token,
      clock: this.clock,
      onRefused: (code) => this.metrics.refused(code),
    });
    registerStrategiesApi(app, { strategies: options.strategies ?? { handles: () => [], handle: () => undefined }, token: options.token });

    app.get('/api/market', async (_request, reply) => {
      const market = this.referenceMarket;
      const body = market?.summary() ?? { source: 'none' as const, state: 'none' as const, records: 0, records_per_second: 0, symbols: [] };
      return respond(reply, 200, marketResponse, body);
    });
    app.get('/api/market/:symbol', async (request, reply) => {
      const { symbol } = validated(symbolParams, request.params, 'path');
      const { depth } = validated(marketQuery, request.query, 'query');
      const market = this.referenceMarket;
      if (market === undefined) throw new ApiFailure(404, 'unknown_symbol', 'no reference feed is attached: the venue runs without an outside market');
      const detail = market.detail(symbol, depth ?? DEFAULT_MARKET_DEPTH);
      if (detail === undefined) throw new ApiFailure(404, 'unknown_symbol', `the reference feed has no symbol ${JSON.stringify(symbol)}; GET /api/market lists them`);
      return respond(reply, 200, marketSymbolResponse, detail);
    });

    const fixSessions = new FixSessionsView(this.venue.acceptor, this.venue.sessionMonitors, () => this.clock.now());
    app.get('/api/fix/sessions', async (_request, reply) => respond(reply, 200, fixSessionsResponse, { sessions: fixSessions.list() }));
    app.get('/api/fix/sessions/:key/messages', async (request, reply) => {
      const { key } = validated(z.strictObject({ key: z.string().min(1).max(200) }), request.params, 'path');
      const { limit } = validated(fixSessionMessagesQuery, request.query, 'query');
      const detail = fixSessions.messages(key, limit);
      if (detail === undefined) throw new ApiFailure(404, 'not_found', `no FIX session ${JSON.stringify(key)}; GET /api/fix/sessions lists them`);
      return respond(reply, 200, fixSessionMessagesResponse, detail);
    });

    const staticDir = config.staticDir ?? (PROJECT_ROOT !== undefined ? join(PROJECT_ROOT, 'web', 'dist') : undefined);
    if (staticDir !== undefined && existsSync(join(staticDir, 'index.html'))) {
      await app.register(fastifyStatic, { root: resolve(staticDir), prefix: '/' });
    } else {
      app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(NO_DASHBOARD_PAGE));
    }
  }
}

const NO_DASHBOARD_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Crucible</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 3em auto">
<h1>Crucible venue</h1>
<p>The dashboard is not built (no <code>web/dist</code>). The venue is running:</p>
<ul>
<li><a href="/health">/health</a> and <a href="/metrics">/metrics</a></li>
<li>REST under <a href="/api/instruments">/api</a>, described by <a href="/api/openapi.json">/api/openapi.json</a></li>
<li>market data on the WebSocket <code>/ws</code> (docs/PROTOCOL.md)</li>
</ul>
</body></html>
`;

function loggedOn(venue: Venue): number {
  let n = 0;
  for (const session of venue.acceptor.sessions) if (session.isLoggedOn()) n++;
  return n;
}

/** Any error as the JSON every route answers with. */
function errorAnswer(error: FastifyError | ApiFailure): { status: number; body: ApiError } {
  if (error instanceof ApiFailure) {
    return { status: error.status, body: { code: error.code, message: error.message, ...(error.rejectCode !== undefined ? { reject_code: error.rejectCode } : {}) } };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: { code: 'invalid_json', message: `the body is not valid JSON: ${error.message}` } };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: { code: 'payload_too_large', message: 'the body is larger than the server accepts' } };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: { code: 'unsupported_media_type', message: 'send the body as application/json' } };
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return { status, body: { code: 'invalid_request', message: error.message } };
  return { status: 500, body: { code: 'internal', message: 'the server failed to answer; see its log' } };
}

function findProjectRoot(from: string): string | undefined {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

function readVersion(root: string | undefined): string {
  if (root === undefined) return '0.0.0';
  try {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}
