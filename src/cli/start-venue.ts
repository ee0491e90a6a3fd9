// `crucible start`: the venue with its FIX gateway and its HTTP server (REST, WebSocket market
// data, /health, /metrics), until Ctrl-C or SIGTERM. The first line on stdout says where FIX
// listens and what trades (scripts read the port from it), the second what state it recovered,
// with its state hash (tests compare it with `crucible replay-journal`), the third where HTTP
// listens; the instrument table, session logons, recovery details, a generated API token and
// shutdown progress go to stderr.
import { CrucibleServer } from '../server/http-server.js';
import { systemClock } from '../shared/clock.js';
import { defaultPopulation } from '../strategy/population.js';
import { parseHttpPortFlag, resolveApiToken, resolveServerConfig, type ServerConfig } from '../server/server-config.js';
import { loadVenueConfig, parseFsyncFlag, parsePortFlag, type VenueConfig, type VenueConfigOverrides } from '../venue/config.js';
import { JournalCorruptError } from '../venue/journal.js';
import { RecoveryError } from '../venue/recovery.js';
import { DataDirInUse } from '../venue/storage.js';
import { type StartupReport, Venue } from '../venue/venue.js';
import { banner } from './banner.js';
import { buildFeed, fanOut, type FeedSpec, parseFeedFlags } from './reference-feed.js';
import { venueMarketSource } from './venue-market-adapter.js';

export interface StartOptions {
  readonly fixPort?: string;
  readonly fixHost?: string;
  readonly senderCompId?: string;
  readonly config?: string;
  readonly dataDir?: string;
  readonly fresh?: boolean;
  readonly fsync?: string;
  readonly httpPort?: string;
  readonly httpHost?: string;
  readonly apiToken?: string;
  readonly wsInterval?: string;
  readonly feed?: string;
  readonly feedFallback?: string;
  readonly binanceWsUrl?: string;
  readonly binanceRestUrl?: string;
  readonly replaySpeed?: string;
  /** false with --no-strategies. */
  readonly strategies?: boolean;
  /** false with --no-http. */
  readonly http?: boolean;
}

/** Longest wait for sessions to log out and the snapshot to be written before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 15_000;

const say = (line: string): void => void process.stderr.write(`${line}\n`);

export async function startVenue(options: StartOptions): Promise<void> {
  let config: VenueConfig;
  try {
    const overrides: VenueConfigOverrides = {
      ...(options.fixPort !== undefined ? { fixPort: parsePortFlag(options.fixPort) } : {}),
      ...(options.fixHost !== undefined ? { fixHost: options.fixHost } : {}),
      ...(options.senderCompId !== undefined ? { senderCompID: options.senderCompId } : {}),
      ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
      ...(options.fsync !== undefined ? { fsync: parseFsyncFlag(options.fsync) } : {}),
    };
    config = loadVenueConfig(options.config, overrides);
  } catch (e) {
    say(`crucible start: ${errorText(e)}`);
    process.exit(2);
  }

  let http: { config: ServerConfig; token: string; generated: boolean } | undefined;
  if (options.http !== false) {
    try {
      // Whoever asks for a free FIX port runs venues side by side: HTTP takes a free port too, unless given.
      const port = options.httpPort !== undefined ? parseHttpPortFlag(options.httpPort) : config.fix.port === 0 ? 0 : undefined;
      const serverConfig = resolveServerConfig({
        ...(port !== undefined ? { port } : {}),
        ...(options.httpHost !== undefined ? { host: options.httpHost } : {}),
        ...(options.wsInterval !== undefined ? { wsIntervalMs: parseMillisFlag('--ws-interval', options.wsInterval) } : {}),
      });
      http = { config: serverConfig, ...resolveApiToken(options.apiToken) };
    } catch (e) {
      say(`crucible start: ${errorText(e)}`);
      process.exit(2);
    }
  }

  let feedSpec: FeedSpec;
  try {
    feedSpec = parseFeedFlags(options);
  } catch (e) {
    say(`crucible start: ${errorText(e)}`);
    process.exit(2);
  }

  let venue: Venue;
  try {
    venue = await Venue.open({ config, fresh: options.fresh === true, log: say });
  } catch (e) {
    if (e instanceof JournalCorruptError) {
      say(
        `crucible start: the journal is damaged before its end: ${e.file} at offset ${e.offset} (${e.reason}). ` +
          'Records after the damage would be lost, so the venue does not start on it. Keep the data directory for inspection, ' +
          'then start with --fresh to begin empty (it moves the directory aside).',
      );
    } else if (e instanceof RecoveryError || e instanceof DataDirInUse) {
      say(`crucible start: ${e.message}`);
    } else {
      say(`crucible start: cannot open the data directory ${config.dataDir}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
    process.exit(1);
  }
  const startup = venue.startup!;
  if (startup.movedAside !== undefined) say(`--fresh: moved the previous data directory to ${startup.movedAside}; starting empty`);
  if (startup.truncatedTail !== undefined) say(`journal: cut off a torn record at its end (${startup.truncatedTail}); it was never acknowledged`);
  say(`data directory ${startup.dataDir}: ${recoveryText(startup)}`);

  // The outside world's market, read once: the server shows it, the strategies quote around it.
  const feed = buildFeed(feedSpec, config.listings, systemClock);
  const wantStrategies = options.strategies !== false && feed !== undefined;
  const [serverFeed, strategyFeed] = feed === undefined ? [] : fanOut(feed.feed, wantStrategies ? 2 : 1);
  const population =
    wantStrategies && strategyFeed !== undefined
      ? defaultPopulation({
          gateway: venue.orders,
          clock: systemClock,
          referenceFeed: strategyFeed,
          venueMarket: venueMarketSource(venue),
          listings: config.listings.map((l) => ({ ...l.instrument, ...(l.referencePrice !== undefined ? { referencePrice: l.referencePrice } : {}) })),
          log: (line) => say(`strategies: ${line}`),
        })
      : undefined;

  // Attached before the gateway takes orders: the public market view starts from the recovered books.
  let server: CrucibleServer | undefined;
  if (http !== undefined) {
    try {
      server = await CrucibleServer.create({
        venue,
        config: http.config,
        token: http.token,
        log: say,
        ...(population !== undefined ? { strategies: { handles: () => population.handles, handle: (id: string) => population.handle(id) } } : {}),
      });
      if (serverFeed !== undefined && feed !== undefined) server.attachReferenceFeed(serverFeed, { source: feed.source });
    } catch (e) {
      say(`crucible start: cannot set up the HTTP server: ${errorText(e)}`);
      await venue.stop().catch(() => {});
      process.exit(1);
    }
  }

  venue.onFatal((e) => {
    say(`crucible start: stopping without a snapshot: ${e.message}`);
    process.exit(1);
  });

  let address: { host: string; port: number };
  try {
    address = await venue.start();
  } catch (e) {
    say(`crucible start: cannot listen on ${config.fix.host}:${config.fix.port}: ${errorText(e)}`);
    await venue.stop().catch(() => {});
    process.exit(1);
  }

  let httpAddress: { host: string; port: number } | undefined;
  if (server !== undefined) {
    try {
      httpAddress = await server.listen();
    } catch (e) {
      say(`crucible start: cannot listen for HTTP on ${server.config.host}:${server.config.port}: ${errorText(e)} (--http-port picks another port, --no-http runs without)`);
      await server.close().catch(() => {});
      await venue.stop().catch(() => {});
      process.exit(1);
    }
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    const sessions = venue.acceptor.sessions.filter((s) => s.isLoggedOn()).length;
    say(`${signal}: logging out ${sessions} session${sessions === 1 ? '' : 's'} and stopping`);
    const force = setTimeout(() => {
      say('the venue did not stop in time; exiting (the journal has every acknowledged command)');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    // Strategies stop quoting and the feed stops; then HTTP and WebSocket clients go: nothing new
    // comes in while the venue drains.
    void (population?.stop() ?? Promise.resolve())
      .catch((e: unknown) => say(`error while stopping the strategies: ${errorText(e)}`))
      .then(() => {
        feed?.close();
        return server?.close();
      })
      .catch((e: unknown) => say(`error while closing the HTTP server: ${errorText(e)}`))
      .then(() => venue.stop())
      .then(
        () => {
          say(`stopped at seq ${venue.sequencer.lastSeq}, state hash ${venue.engine.stateHash()}`);
          process.exit(0);
        },
        (e: unknown) => {
          say(`error while stopping: ${errorText(e)}`);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  process.stderr.write(banner(config.listings, 'Crucible venue'));
  if (feed !== undefined) say(`reference market: ${feed.description}${population !== undefined ? `; ${population.handles.length} strategies trading (--no-strategies to run without)` : ''}`);
  population?.start();
  if (http?.generated === true) say(`API token for order entry and admin (generated; --api-token or CRUCIBLE_API_TOKEN sets one): ${http.token}`);
  process.stdout.write(`${startupLine(config, address)}\n${stateLine(startup)}\n${httpLine(httpAddress)}\n`);
}

/** "HTTP on http://127.0.0.1:8080 (REST /api, WebSocket /ws, /health, /metrics)" */
export function httpLine(address: { host: string; port: number } | undefined): string {
  if (address === undefined) return 'HTTP off (--no-http)';
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `HTTP on http://${host}:${address.port} (REST /api, WebSocket /ws, /health, /metrics)`;
}

function recoveryText(r: StartupReport): string {
  if (r.lastSeq === 0) return `new, state hash ${r.stateHash}`;
  const from = r.snapshotSeq > 0 ? `snapshot restored at seq ${r.snapshotSeq}` : 'no snapshot';
  return `${from}, replayed ${r.replayed} commands, state hash ${r.stateHash}`;
}

/** "state: snapshot restored at seq 120, replayed 35 commands, state hash 0123456789abcdef (seq 155)" */
export function stateLine(r: StartupReport): string {
  return `state: ${recoveryText(r)} (seq ${r.lastSeq})`;
}

/** "Crucible venue listening for FIX on 127.0.0.1:9878 ...; trading AAPL, MSFT, ..." */
export function startupLine(config: VenueConfig, address: { host: string; port: number }): string {
  const { fix } = config;
  const versions = fix.beginStrings.join(' and ');
  const clients = fix.clients === undefined ? 'any client CompID' : `client CompIDs ${[...new Set(fix.clients.map((c) => c.compID))].join(', ')}`;
  const symbols = config.listings.map((l) => l.instrument.symbol).join(', ');
  const stp = config.selfTradePreventionName === 'none' ? '' : `, self-trade prevention ${config.selfTradePreventionName}`;
  return `Crucible venue listening for FIX on ${address.host}:${address.port} (${versions}, SenderCompID ${fix.senderCompID}, ${clients}${stp}); trading ${symbols}`;
}

function parseMillisFlag(flag: string, text: string): number {
  const ms = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(ms >= 1 && ms <= 10_000)) throw new Error(`${flag} ${JSON.stringify(text)}: give whole milliseconds from 1 to 10000`);
  return ms;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
