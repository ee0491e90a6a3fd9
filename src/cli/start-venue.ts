// `crucible start`: the venue with its FIX gateway, until Ctrl-C or SIGTERM. The first line on
// stdout says where it listens and what trades (scripts read the port from it), the second what
// state it recovered, with its state hash (tests compare it with `crucible replay-journal`); the
// instrument table, session logons, recovery details and shutdown progress go to stderr.
import { loadVenueConfig, parseFsyncFlag, parsePortFlag, type VenueConfig, type VenueConfigOverrides } from '../venue/config.js';
import { JournalCorruptError } from '../venue/journal.js';
import { RecoveryError } from '../venue/recovery.js';
import { DataDirInUse } from '../venue/storage.js';
import { type StartupReport, Venue } from '../venue/venue.js';
import { banner } from './banner.js';

export interface StartOptions {
  readonly fixPort?: string;
  readonly fixHost?: string;
  readonly senderCompId?: string;
  readonly config?: string;
  readonly dataDir?: string;
  readonly fresh?: boolean;
  readonly fsync?: string;
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
    void venue.stop().then(
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
  process.stdout.write(`${startupLine(config, address)}\n${stateLine(startup)}\n`);
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

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
