// `crucible start`: the venue with its FIX gateway, until Ctrl-C or SIGTERM. The one line on stdout
// says where it listens and what trades (scripts read the port from it); the instrument table,
// session logons and shutdown progress go to stderr.
import { loadVenueConfig, parsePortFlag, type VenueConfig, type VenueConfigOverrides } from '../venue/config.js';
import { Venue } from '../venue/venue.js';
import { banner } from './banner.js';

export interface StartOptions {
  readonly fixPort?: string;
  readonly fixHost?: string;
  readonly senderCompId?: string;
  readonly config?: string;
}

/** Longest wait for sessions to log out before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

export async function startVenue(options: StartOptions): Promise<void> {
  let config: VenueConfig;
  try {
    const overrides: VenueConfigOverrides = {
      ...(options.fixPort !== undefined ? { fixPort: parsePortFlag(options.fixPort) } : {}),
      ...(options.fixHost !== undefined ? { fixHost: options.fixHost } : {}),
      ...(options.senderCompId !== undefined ? { senderCompID: options.senderCompId } : {}),
    };
    config = loadVenueConfig(options.config, overrides);
  } catch (e) {
    process.stderr.write(`crucible start: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  }

  const venue = new Venue({ config, log: (line) => process.stderr.write(`${line}\n`) });
  let address: { host: string; port: number };
  try {
    address = await venue.start();
  } catch (e) {
    process.stderr.write(`crucible start: cannot listen on ${config.fix.host}:${config.fix.port}: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    const sessions = venue.acceptor.sessions.filter((s) => s.isLoggedOn()).length;
    process.stderr.write(`${signal}: logging out ${sessions} session${sessions === 1 ? '' : 's'} and stopping\n`);
    const force = setTimeout(() => {
      process.stderr.write('sessions did not close in time; exiting\n');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    void venue.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`error while stopping: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  process.stderr.write(banner(config.listings, 'Crucible venue'));
  process.stdout.write(`${startupLine(config, address)}\n`);
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
