// The venue, assembled. One order flows through five stages:
//
//   1. gateway     FIX acceptor on TCP: framing, sessions (logon, sequence numbers, dictionary
//                  checks), then the FIX application decodes and checks the request
//   2. sequencer   the single writer: sequence number, time, engine order id; (the write-ahead
//                  journal goes here, before apply)
//   3. engine      pure matching, one book per symbol; events out, in order
//   4. routing     each event to the order's owner: the FIX application turns it into the report
//                  that session expects; observers (market data, dashboards) see every event
//   5. sessions    reports go out on the owning session once the command is through the engine
//
// Nothing here is asynchronous between stages 1 and 5: a message is decoded, sequenced, matched and
// answered before the next one is read, so the order of reports is the order of commands.
import { type EngineSink, MatchingEngine } from '../engine/index.js';
import { FixAcceptor } from '../fix/acceptor.js';
import { getDictionary, isSupportedVersion } from '../fix/dictionary.js';
import type { MessageValidator } from '../fix/session.js';
import type { SessionSettingsInput } from '../fix/session-settings.js';
import { validateMessage } from '../fix/validator.js';
import { type ClockScheduler, systemClock } from '../shared/clock.js';
import type { VenueConfig } from './config.js';
import { ExecIdSource } from './execution-reports.js';
import { FixVenueApplication } from './fix-application.js';
import { AccountDirectory, OrderRegistry } from './order-registry.js';
import { Sequencer } from './sequencer.js';

export interface VenueOptions {
  readonly config: VenueConfig;
  readonly clock?: ClockScheduler;
  /**
   * Put in front of every ExecID. The default, the start time in base 36, keeps ExecIDs unique
   * across restarts of a venue that does not yet remember its previous run.
   */
  readonly execIdPrefix?: string;
  /** Session and venue events, one line each. */
  readonly log?: (line: string) => void;
  /** Also told every engine event (market data publishers, dashboards). */
  readonly observers?: readonly EngineSink[];
}

export class Venue {
  readonly config: VenueConfig;
  readonly engine: MatchingEngine;
  readonly sequencer: Sequencer;
  readonly registry: OrderRegistry;
  readonly application: FixVenueApplication;
  readonly acceptor: FixAcceptor;

  constructor(options: VenueOptions) {
    const { config } = options;
    const clock = options.clock ?? systemClock;
    const log = options.log ?? (() => {});
    this.config = config;

    // 4. Routing: built first because the engine reports into it from its first command.
    const routing = new EngineEventFanOut(log);

    // 3. Engine.
    this.engine = new MatchingEngine({ sink: routing, instruments: config.listings.map((l) => l.instrument) });

    // 2. Sequencer, in front of the engine.
    this.sequencer = new Sequencer(this.engine, { clock });

    // 1 and 5. The FIX application: requests in (stage 1), reports out to sessions (stage 5).
    this.registry = new OrderRegistry(config.recentOrders);
    this.application = new FixVenueApplication({
      instrumentOf: (symbol) => this.engine.instrument(symbol),
      sequencer: this.sequencer,
      registry: this.registry,
      accounts: new AccountDirectory(),
      execIds: new ExecIdSource(options.execIdPrefix ?? `${clock.now().toString(36)}-`),
      clock,
      stp: config.selfTradePrevention,
      log,
    });
    routing.add(this.application);
    for (const observer of options.observers ?? []) routing.add(observer);

    // 1. Gateway: the acceptor owns the sockets and the sessions.
    this.acceptor = new FixAcceptor({
      sessions: sessionTemplates(config),
      application: this.application,
      clock,
      validatorFor: dictionaryValidator,
      onEvent: (text) => log(`fix: ${text}`),
    });
  }

  /** Starts listening; resolves with the address (port 0 in the config picks a free port). */
  async start(): Promise<{ host: string; port: number }> {
    const port = await this.acceptor.listen(this.config.fix.port, this.config.fix.host);
    return { host: this.config.fix.host, port };
  }

  /** Logs every session out, closes the connections and stops listening. */
  async stop(): Promise<void> {
    await this.acceptor.close();
  }

  /** Ends the trading day: DAY orders expire (all symbols, or one). */
  endOfDay(symbol?: string): void {
    this.application.runVenueCommand(() => this.sequencer.submit({ kind: 'endOfDay', ...(symbol !== undefined ? { symbol } : {}) }));
  }
}

/** One acceptor session template per FIX version and allowed counterparty ("any" by default). */
function sessionTemplates(config: VenueConfig): SessionSettingsInput[] {
  const { fix } = config;
  const common = { senderCompID: fix.senderCompID, ...fix.session };
  if (fix.clients === undefined) return fix.beginStrings.map((beginString) => ({ ...common, beginString, targetCompID: 'any' }));
  return fix.clients.flatMap((client) =>
    fix.beginStrings
      .filter((beginString) => client.beginString === undefined || client.beginString === beginString)
      .map((beginString) => ({ ...common, beginString, targetCompID: client.compID, ...(client.password !== undefined ? { password: client.password } : {}) })),
  );
}

/** Received messages checked against the version's data dictionary, as QuickFIX does. */
function dictionaryValidator(beginString: string): MessageValidator | undefined {
  if (!isSupportedVersion(beginString)) return undefined;
  const dictionary = getDictionary(beginString);
  return (message) => validateMessage(message, dictionary);
}

/**
 * Stage 4: every engine event to every listener, in order. A listener that throws is logged and
 * skipped; an exception must not travel back into the engine in the middle of a command.
 */
export class EngineEventFanOut implements EngineSink {
  private readonly sinks: EngineSink[] = [];

  constructor(private readonly log: (line: string) => void) {}

  add(sink: EngineSink): void {
    this.sinks.push(sink);
  }

  private each(event: string, deliver: (sink: EngineSink) => void): void {
    for (const sink of this.sinks) {
      try {
        deliver(sink);
      } catch (e) {
        this.log(`engine event ${event}: listener failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  accepted(...a: Parameters<EngineSink['accepted']>): void {
    this.each('accepted', (s) => s.accepted(...a));
  }
  rejected(...a: Parameters<EngineSink['rejected']>): void {
    this.each('rejected', (s) => s.rejected(...a));
  }
  fill(...a: Parameters<EngineSink['fill']>): void {
    this.each('fill', (s) => s.fill(...a));
  }
  cancelled(...a: Parameters<EngineSink['cancelled']>): void {
    this.each('cancelled', (s) => s.cancelled(...a));
  }
  replaced(...a: Parameters<EngineSink['replaced']>): void {
    this.each('replaced', (s) => s.replaced(...a));
  }
  triggered(...a: Parameters<EngineSink['triggered']>): void {
    this.each('triggered', (s) => s.triggered(...a));
  }
  expired(...a: Parameters<EngineSink['expired']>): void {
    this.each('expired', (s) => s.expired(...a));
  }
  bookLevel(...a: Parameters<EngineSink['bookLevel']>): void {
    this.each('bookLevel', (s) => s.bookLevel(...a));
  }
  topOfBook(...a: Parameters<EngineSink['topOfBook']>): void {
    this.each('topOfBook', (s) => s.topOfBook(...a));
  }
}
