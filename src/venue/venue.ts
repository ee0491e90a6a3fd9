// The venue, assembled. A request flows through these stages:
//
//   1. gateway     FIX acceptor on TCP: framing, sessions (logon, sequence numbers kept on disk,
//                  dictionary checks); the FIX application decodes and checks the request and
//                  decides which venue command it is (fix-application.ts)
//   2. sequencer   the single writer: sequence number, time, engine order id (sequencer.ts)
//   3. journal     the command is appended to the write-ahead journal before anything applies it
//   4. apply       registry, account directory and the pure matching engine change; the engine's
//                  events become reports, all in memory and deterministic (venue-core.ts)
//   5. outbox      reports, answers and market-data events wait until the journal has the command
//                  on disk, then go out in order (outbox.ts)
//   6. sessions    each report on the session that owns the order
//
// In-process callers skip stage 1's FIX: the order gateway (`orders`, order-gateway.ts) checks a
// request itself and hands the same commands to the sequencer; operators list, halt and resume
// symbols with journaled commands of their own. Both are answered once durable (durable-answers.ts).
//
// Stages 1 to 4 run synchronously, one command at a time, so the journal's order is the order in
// which the books changed; only stage 5 waits, for the journal's fsync. Snapshots of the whole state
// are taken between commands every so often and at a clean shutdown; on startup the newest good
// snapshot is restored and the journal after it replayed through stage 4 (recovery.ts).
import { performance } from 'node:perf_hooks';
import { type EngineSink, type MatchingEngine, hashEngineSnapshot, validateInstrument } from '../engine/index.js';
import { FixAcceptor } from '../fix/acceptor.js';
import { getDictionary, isSupportedVersion } from '../fix/dictionary.js';
import { FileMessageStoreFactory } from '../fix/file-message-store.js';
import { SessionMonitors } from '../fix/session-monitor.js';
import type { MessageValidator } from '../fix/session.js';
import { sessionKey, type SessionSettingsInput } from '../fix/session-settings.js';
import { validateMessage } from '../fix/validator.js';
import { type ClockScheduler, type TimerHandle, systemClock } from '../shared/clock.js';
import { priceToTicks } from '../shared/decimal.js';
import type { OrderGateway } from '../shared/order-gateway.js';
import { RejectCode } from '../shared/reject-codes.js';
import type { VenueConfig } from './config.js';
import { DurableAnswers, refusal } from './durable-answers.js';
import { ExecIdSource } from './execution-reports.js';
import { FixVenueApplication, type VenueSequencer } from './fix-application.js';
import type { ListedInstrument } from './instruments.js';
import { JournalWriter, type JournalStats } from './journal.js';
import type { AdminResult, ListingState } from './listings.js';
import { VenueOrderGateway } from './order-gateway.js';
import type { OrderRegistry } from './order-registry.js';
import { Outbox } from './outbox.js';
import { type Recovered, recover } from './recovery.js';
import { Sequencer } from './sequencer.js';
import { type DataLayout, dataLayout, encodeSnapshot, lockDataDir, moveAside, removeTemporarySnapshots, type VenueSnapshot, writeSnapshot } from './storage.js';
import { encodeVenueCommand, type SequencedCommand, type UnsequencedCommand, VENUE_COMMAND_V1 } from './venue-commands.js';
import { type ApplyResult, type LiveContext, VenueCore } from './venue-core.js';

export type { AdminResult, ListingState } from './listings.js';
export type { JournalStats } from './journal.js';

/** Pipeline stages timed for monitoring: applying a command, and from submitting it to its release once durable. */
export type PipelineStage = 'apply' | 'durable';

const ASSET_CLASSES: readonly string[] = ['equity', 'crypto', 'other'];

/** Snapshots kept; the one before the newest is there in case the newest turns out unreadable. */
export const SNAPSHOTS_KEPT = 2;

/** A FIX session as listeners are told of it. */
export interface SessionInfo {
  readonly key: string;
  readonly beginString: string;
  readonly senderCompID: string;
  readonly targetCompID: string;
}

export interface VenueOptions {
  readonly config: VenueConfig;
  readonly clock?: ClockScheduler;
  /** Session and venue events, one line each. */
  readonly log?: (line: string) => void;
  /** Also told every engine event, once durable (market data publishers, dashboards). */
  readonly observers?: readonly EngineSink[];
}

export interface OpenVenueOptions extends VenueOptions {
  /** Start empty on purpose: an existing data directory is moved aside first. */
  readonly fresh?: boolean;
}

/** What startup found in the data directory. */
export interface StartupReport {
  readonly dataDir: string;
  /** Where `fresh` moved the previous data directory. */
  readonly movedAside?: string;
  readonly snapshotSeq: number;
  readonly replayed: number;
  /** The recovered state, before this run's first command. */
  readonly lastSeq: number;
  readonly stateHash: string;
  readonly truncatedTail?: string;
}

/** The durable side of a venue, made by `Venue.open`. */
export interface VenueStorage {
  readonly layout: DataLayout;
  readonly unlock: () => void;
  readonly journal: JournalWriter;
  readonly fixStore: FileMessageStoreFactory;
  readonly recovered: Recovered;
  readonly report: StartupReport;
}

export class Venue {
  readonly config: VenueConfig;
  readonly core: VenueCore;
  readonly sequencer: VenueSequencer;
  readonly outbox: Outbox;
  /** In-process order entry: the REST API and the strategies trade here. */
  readonly orders: OrderGateway;
  readonly application: FixVenueApplication;
  readonly acceptor: FixAcceptor;
  /** What each FIX session said lately, for the dashboard's FIX panel. */
  readonly sessionMonitors: SessionMonitors;
  /** Undefined for a venue that keeps nothing (`new Venue`). */
  readonly startup: StartupReport | undefined;
  private readonly storage: VenueStorage | undefined;
  private readonly log: (line: string) => void;
  private readonly clock: ClockScheduler;
  private commandsSinceSnapshot = 0;
  private snapshotScheduled = false;
  private snapshotting: Promise<string | undefined> | undefined;
  private snapshotTimer: TimerHandle | undefined;
  private stopping: Promise<void> | undefined;
  private fatalError: Error | undefined;
  private readonly fatalListeners: Array<(e: Error) => void> = [];
  private readonly sessionEventListeners: Array<(sessionKey: string, text: string) => void> = [];
  private readonly sessionStateListeners: Array<(session: SessionInfo, state: 'logon' | 'logout') => void> = [];
  private readonly answers: DurableAnswers;
  private readonly listingListeners: Array<() => void> = [];
  private readonly stageListeners: Array<(stage: PipelineStage, seconds: number) => void> = [];
  /** When the command being submitted entered the sequencer (only while stages are timed). */
  private submittedAt: number | undefined;

  /**
   * Opens the data directory (config.dataDir): takes its lock, restores the newest good snapshot,
   * replays the journal after it, and resumes journaling. Throws a JournalCorruptError or
   * RecoveryError when the journal cannot be trusted, DataDirInUse when another venue has it.
   */
  static async open(options: OpenVenueOptions): Promise<Venue> {
    const { config } = options;
    const log = options.log ?? (() => {});
    const clock = options.clock ?? systemClock;
    const layout = dataLayout(config.dataDir);
    const movedAside = options.fresh === true ? moveAside(layout, clock.now()) : undefined;
    const unlock = lockDataDir(layout);
    try {
      removeTemporarySnapshots(layout.snapshots);
      const recovered = recover({ journalDir: layout.journal, snapshotDir: layout.snapshots, truncate: true, recentOrders: config.recentOrders, log });
      const { fsync, maxBatchDelayMs } = config.durability;
      const journal = JournalWriter.open({ dir: layout.journal, fsync, ...(maxBatchDelayMs !== undefined ? { maxBatchDelayMs } : {}) });
      const fixStore = new FileMessageStoreFactory({ dir: layout.fix, fsync, now: () => clock.now(), onEvent: (text) => log(`fix store: ${text}`) });
      const report: StartupReport = {
        dataDir: layout.root,
        ...(movedAside !== undefined ? { movedAside } : {}),
        snapshotSeq: recovered.snapshotSeq,
        replayed: recovered.replayed,
        lastSeq: recovered.sequencer.lastSeq,
        stateHash: recovered.stateHash,
        ...(recovered.truncatedTail !== undefined ? { truncatedTail: recovered.truncatedTail } : {}),
      };
      return new Venue(options, { layout, unlock, journal, fixStore, recovered, report });
    } catch (e) {
      unlock();
      throw e;
    }
  }

  /** A venue that keeps nothing on disk (`storage` comes from `Venue.open`). */
  constructor(options: VenueOptions, storage?: VenueStorage) {
    const { config } = options;
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? (() => {});
    this.config = config;
    this.storage = storage;
    this.startup = storage?.report;
    const journal = storage?.journal;

    // Apply: the books, the registry and the account directory, recovered or empty.
    this.core = storage?.recovered.core ?? new VenueCore({ recentOrders: config.recentOrders, execIds: new ExecIdSource(), log: this.log });
    for (const observer of options.observers ?? []) this.core.addObserver(observer);

    // Outbox: waits until the journal has the command (fsynced, or with fsync off at least written,
    // which a killed process cannot take back); with no journal it lets everything through.
    this.outbox = new Outbox(journal === undefined, (e) => this.log(`delivery failed: ${errorText(e)}`));
    this.answers = new DurableAnswers(this.outbox);

    // Sequencer and journal.
    this.sequencer = new Sequencer({
      clock: this.clock,
      ...(storage !== undefined ? { state: storage.recovered.sequencer } : {}),
      ...(journal !== undefined
        ? {
            log: {
              write: (s) => {
                if (this.stageListeners.length > 0) this.submittedAt = performance.now();
                journal.append(s.seq, s.time, VENUE_COMMAND_V1, encodeVenueCommand(s.command));
              },
            },
          }
        : {}),
      apply: (s, context) => {
        if (this.stageListeners.length > 0) return this.timedApply(s, context);
        const result = this.core.apply(s, context);
        this.afterCommand();
        return result;
      },
    });
    if (journal !== undefined) {
      journal.onDurable((seq) => this.outbox.markDurable(seq));
      journal.onError((e) => this.fail(e instanceof Error ? e : new Error(String(e))));
    }

    // Gateway: sessions and their stores, and the application that turns requests into commands.
    const fixStore = storage?.fixStore;
    let acceptor: FixAcceptor | undefined;
    this.application = new FixVenueApplication({
      core: this.core,
      sequencer: this.sequencer,
      outbox: this.outbox,
      clock: this.clock,
      stp: config.selfTradePrevention,
      sessionFor: (key) => acceptor?.sessionByKey(key),
      log: this.log,
      maxOrdersPerSecond: config.fix.maxOrdersPerSecond,
      onSessionState: (session, state) => {
        for (const listener of this.sessionStateListeners) listener({ key: session.key, ...session.id }, state);
      },
    });
    const monitors = (this.sessionMonitors = new SessionMonitors({
      now: () => this.clock.now(),
      onSessionEvent: (key, text) => {
        for (const listener of this.sessionEventListeners) listener(key, text);
      },
    }));
    this.acceptor = acceptor = new FixAcceptor({
      sessions: sessionTemplates(config),
      application: this.application,
      clock: this.clock,
      validatorFor: dictionaryValidator,
      logFor: (id) => monitors.for(sessionKey(id)),
      onEvent: (text) => this.log(`fix: ${text}`),
      ...(fixStore !== undefined
        ? {
            storeFactory: fixStore,
            beforeSocketWrites: () => {
              fixStore.flush().catch((e: unknown) => this.fail(e instanceof Error ? e : new Error(String(e))));
            },
          }
        : {}),
    });

    // This run's first command: the listings it trades (new ones join the books), and a sequence
    // number of its own before anyone is answered, which keeps ExecIDs unique across restarts.
    this.sequencer.submit({
      kind: 'start',
      instruments: config.listings.map((l) => l.instrument),
      listings: config.listings.map((l) => ({
        symbol: l.instrument.symbol,
        assetClass: l.assetClass,
        ...(l.referencePrice !== undefined ? { referencePrice: l.referencePrice } : {}),
      })),
    });
    this.orders = new VenueOrderGateway({ core: this.core, sequencer: this.sequencer, answers: this.answers, stp: config.selfTradePrevention });

    const everySeconds = config.durability.snapshotEverySeconds;
    if (storage !== undefined && everySeconds > 0) {
      this.snapshotTimer = this.clock.setInterval(() => {
        if (this.commandsSinceSnapshot > 0) void this.snapshot();
      }, everySeconds * 1000);
    }
  }

  get engine(): MatchingEngine {
    return this.core.engine;
  }

  get registry(): OrderRegistry {
    return this.core.registry;
  }

  /** Told each FIX session event (logon, logout, resend, reject...) with the session's key. */
  onSessionEvent(listener: (sessionKey: string, text: string) => void): void {
    this.sessionEventListeners.push(listener);
  }

  /** Told when a FIX session logs on or off. */
  onSessionState(listener: (session: SessionInfo, state: 'logon' | 'logout') => void): void {
    this.sessionStateListeners.push(listener);
  }

  /** The journal or a store failed: nothing more can be acknowledged. */
  onFatal(listener: (e: Error) => void): void {
    this.fatalListeners.push(listener);
    if (this.fatalError !== undefined) listener(this.fatalError);
  }

  /** Starts listening; resolves with the address (port 0 in the config picks a free port). */
  async start(): Promise<{ host: string; port: number }> {
    const port = await this.acceptor.listen(this.config.fix.port, this.config.fix.host);
    return { host: this.config.fix.host, port };
  }

  /**
   * Stops cleanly: refuses new requests, lets every report the journal covers go out, logs every
   * session out, writes a snapshot and closes the journal and the session stores.
   */
  stop(): Promise<void> {
    this.stopping ??= this.stopNow();
    return this.stopping;
  }

  private async stopNow(): Promise<void> {
    this.application.close();
    this.answers.close();
    this.snapshotTimer?.cancel();
    const storage = this.storage;
    if (storage !== undefined && this.fatalError === undefined) {
      await storage.journal.flush();
      this.outbox.markDurable(storage.journal.durableSeq);
    }
    // Whatever the journal could not make durable is answered "no" rather than never.
    this.answers.abandon();
    await this.acceptor.close();
    if (storage === undefined) return;
    try {
      if (this.fatalError === undefined) {
        await this.snapshotting;
        await this.snapshot();
      }
    } finally {
      await settle([storage.journal.close(), storage.fixStore.close()]);
      storage.unlock();
    }
  }

  // -------------------------------------------------------------------------------------------
  // Listings: what trades, changed at run time by journaled commands (a restart keeps them).

  /** Every listing in listing order: the configuration's first, then those listed at run time. */
  listings(): ListingState[] {
    return this.core.listings.states((symbol) => this.core.engine.instrument(symbol));
  }

  /** Lists a new symbol (an empty book); resolves once durable. A symbol already listed: 3021. */
  list(listing: ListedInstrument): Promise<AdminResult> {
    const instrument = listing?.instrument;
    const symbol = instrument?.symbol;
    const problem = ((): AdminResult | undefined => {
      if (instrument === undefined || validateInstrument(instrument) !== undefined) {
        return refusal(RejectCode.InvalidInstrument, `instrument ${JSON.stringify(instrument)}: symbol of 1 to 32 letters, digits or . _ : / -, positive tick and lot sizes, limits in whole ticks and lots, minimums not above maximums`);
      }
      if (this.core.engine.instrument(instrument.symbol) !== undefined) return refusal(RejectCode.DuplicateSymbol, `symbol ${JSON.stringify(symbol)} is already listed`);
      if (!ASSET_CLASSES.includes(listing.assetClass)) return refusal(RejectCode.UnsupportedValue, `assetClass ${JSON.stringify(listing.assetClass)}; use ${ASSET_CLASSES.join(', ')}`);
      if (listing.referencePrice !== undefined) {
        const r = priceToTicks(listing.referencePrice, instrument.tickSize);
        if (!r.ok) return refusal(r.code, `referencePrice ${JSON.stringify(listing.referencePrice)}, tick size ${instrument.tickSize}`);
        if (r.units <= 0) return refusal(RejectCode.InvalidPrice, `referencePrice ${JSON.stringify(listing.referencePrice)} must be above zero`);
      }
      return undefined;
    })();
    if (problem !== undefined) return this.answerNow(problem);
    return this.administer({
      kind: 'list',
      instrument,
      assetClass: listing.assetClass,
      ...(listing.referencePrice !== undefined ? { referencePrice: listing.referencePrice } : {}),
    });
  }

  /**
   * Halts trading in a symbol: every live order in it is cancelled (each owner gets its cancel
   * report), and new orders and replaces are rejected with 2001 until `resume`. Resolves once durable.
   */
  halt(symbol: string): Promise<AdminResult> {
    return this.setHalted(symbol, true);
  }

  /** Reopens a halted symbol; resolves once durable. */
  resume(symbol: string): Promise<AdminResult> {
    return this.setHalted(symbol, false);
  }

  /** Told after a list, halt or resume is durable (not for what recovery replays). */
  onListingsChanged(listener: () => void): void {
    this.listingListeners.push(listener);
  }

  private setHalted(symbol: string, halted: boolean): Promise<AdminResult> {
    if (this.core.engine.instrument(symbol) === undefined) return this.answerNow(refusal(RejectCode.UnknownSymbol, `symbol ${JSON.stringify(symbol)} is not listed`));
    // Already so: nothing to journal, and the answer says so once the state it describes is durable.
    if (this.core.listings.isHalted(symbol) === halted) return this.answerNow({ ok: true });
    return this.administer({ kind: halted ? 'halt' : 'resume', symbol });
  }

  private administer(command: UnsequencedCommand): Promise<AdminResult> {
    const closed = this.answers.closed;
    if (closed !== undefined) return Promise.resolve(closed);
    let seq: number;
    let result: ApplyResult;
    try {
      ({ sequenced: { seq }, result } = this.sequencer.submit(command));
    } catch (e) {
      return Promise.resolve(refusal(RejectCode.VenueClosing, `the request was not taken: ${errorText(e)}`));
    }
    if (result.rejected !== undefined) return this.answers.after(seq, refusal(result.rejected, command.kind));
    this.outbox.push(seq, () => {
      for (const listener of this.listingListeners) {
        try {
          listener();
        } catch (e) {
          this.log(`listings listener failed: ${errorText(e)}`);
        }
      }
    });
    return this.answers.after(seq, { ok: true } as const);
  }

  private answerNow(answer: AdminResult): Promise<AdminResult> {
    const closed = this.answers.closed;
    if (closed !== undefined) return Promise.resolve(closed);
    return this.answers.after(this.sequencer.lastSeq, answer);
  }

  // -------------------------------------------------------------------------------------------
  // Numbers for monitoring.

  /**
   * Told, per command, how long applying it took and how long it took from submission to its
   * release once durable (the journal's fsync wait), in seconds. Costs nothing while nobody listens.
   */
  onStageTimes(listener: (stage: PipelineStage, seconds: number) => void): void {
    this.stageListeners.push(listener);
  }

  /** The last command sequenced, and the last the journal has on disk (the same for a venue that keeps nothing). */
  journalPosition(): { lastSeq: number; durableSeq: number } {
    const lastSeq = this.sequencer.lastSeq;
    const journal = this.storage?.journal;
    return { lastSeq, durableSeq: journal === undefined ? lastSeq : Math.min(journal.durableSeq, lastSeq) };
  }

  /** The journal's write and fsync counters; undefined for a venue that keeps nothing. */
  journalStats(): JournalStats | undefined {
    return this.storage?.journal.stats;
  }

  // performance.now() is a double: no BigInt to allocate twice per command on the hot path.
  private timedApply(s: SequencedCommand, context: LiveContext | undefined): ApplyResult {
    const start = performance.now();
    const submitted = this.submittedAt ?? start;
    this.submittedAt = undefined;
    const result = this.core.apply(s, context);
    const applied = performance.now();
    this.afterCommand();
    this.tellStage('apply', applied - start);
    this.outbox.push(s.seq, () => this.tellStage('durable', performance.now() - submitted));
    return result;
  }

  private tellStage(stage: PipelineStage, millis: number): void {
    const seconds = millis / 1e3;
    for (const listener of this.stageListeners) {
      try {
        listener(stage, seconds);
      } catch (e) {
        this.log(`stage time listener failed: ${errorText(e)}`);
      }
    }
  }

  /** Ends the trading day: DAY orders expire (all symbols, or one). */
  endOfDay(symbol?: string): void {
    this.sequencer.submit({ kind: 'endOfDay', ...(symbol !== undefined ? { symbol } : {}) });
  }

  /**
   * Writes a snapshot of the state after the last command; resolves with its path (undefined for a
   * venue that keeps nothing). The state is captured at once, written after the journal has every
   * command it includes, so a snapshot is never ahead of the journal it continues.
   */
  snapshot(): Promise<string | undefined> {
    const storage = this.storage;
    if (storage === undefined) return Promise.resolve(undefined);
    if (this.snapshotting !== undefined) return this.snapshotting;
    const engine = this.core.engine.snapshot();
    const state = this.sequencer.state;
    const snapshot: VenueSnapshot = {
      format: 'crucible-venue-snapshot',
      version: 1,
      seq: state.lastSeq,
      sequencer: state,
      stateHash: hashEngineSnapshot(engine),
      engine,
      registry: this.core.registry.snapshot(),
      accounts: this.core.accounts.snapshot(),
      listings: this.core.listings.snapshot(),
      writtenAt: new Date(this.clock.now()).toISOString(),
    };
    // Encoded now: the books move on while the journal syncs.
    const bytes = encodeSnapshot(snapshot);
    this.commandsSinceSnapshot = 0;
    const writing = (async () => {
      await storage.journal.flush();
      const path = await writeSnapshot(storage.layout.snapshots, snapshot.seq, bytes, SNAPSHOTS_KEPT);
      this.log(`snapshot at seq ${snapshot.seq} written (${bytes.length} bytes, state hash ${snapshot.stateHash})`);
      return path;
    })();
    this.snapshotting = writing.then(
      (path) => {
        this.snapshotting = undefined;
        return path;
      },
      (e: unknown) => {
        this.snapshotting = undefined;
        // A failed snapshot loses nothing: the journal still has every command.
        this.log(`snapshot at seq ${snapshot.seq} failed: ${errorText(e)}`);
        return undefined;
      },
    );
    return this.snapshotting;
  }

  private afterCommand(): void {
    if (this.storage === undefined) return;
    this.commandsSinceSnapshot++;
    if (this.commandsSinceSnapshot < this.config.durability.snapshotEveryCommands || this.snapshotScheduled) return;
    this.snapshotScheduled = true;
    // After the command (and whatever else runs in this turn): a snapshot is taken between commands.
    queueMicrotask(() => {
      this.snapshotScheduled = false;
      void this.snapshot();
    });
  }

  private fail(e: Error): void {
    if (this.fatalError !== undefined) return;
    this.fatalError = e;
    this.application.close();
    this.answers.abandon(`nothing more can be made durable (${e.message})`);
    this.log(`fatal: ${e.message}; nothing more will be acknowledged`);
    for (const listener of this.fatalListeners) listener(e);
  }
}

async function settle(work: Array<Promise<unknown>>): Promise<void> {
  const results = await Promise.allSettled(work);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
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
