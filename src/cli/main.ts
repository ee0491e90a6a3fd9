#!/usr/bin/env node
// The `crucible` command.
import { Command } from 'commander';
import { banner, CONSOLE_HELP } from './banner.js';
import { EngineConsole, runEngineConsole } from './engine-console.js';
import { replayJournalCommand } from './replay-journal.js';
import { startVenue } from './start-venue.js';
import { generateCommand } from './generate.js';
import { recordCommand } from './record.js';
import { createReflector } from '../fix/reflector.js';
import { DEFAULT_INSTRUMENTS, DEFAULT_LISTINGS } from '../venue/instruments.js';

async function engineConsole(): Promise<void> {
  // A reader that goes away (`crucible console | head`) ends the session; it is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const stop = (): never => process.exit(0);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  process.stderr.write(banner(DEFAULT_LISTINGS));
  if (process.stdin.isTTY) process.stderr.write('\n' + CONSOLE_HELP);
  await runEngineConsole(new EngineConsole(DEFAULT_INSTRUMENTS, Date.now), process.stdin, process.stdout);
}

interface FixReflectorOptions {
  readonly port: string;
  readonly sender: string;
  readonly log?: boolean;
}

async function fixReflector(options: FixReflectorOptions): Promise<void> {
  const port = Number(options.port);
  if (!/^\d+$/.test(options.port) || port > 65535) {
    process.stderr.write(`crucible fix-reflector: --port must be 0..65535, got ${options.port}\n`);
    process.exit(2);
  }
  const show = (raw: Buffer): string => raw.toString('latin1').split('\x01').join('|');
  const { acceptor } = createReflector({
    senderCompID: options.sender,
    acceptor: {
      onEvent: (text) => options.log && process.stderr.write(`acceptor: ${text}\n`),
      ...(options.log
        ? {
            logFor: (id) => ({
              onIncoming: (raw) => process.stderr.write(`${id.beginString} ${id.targetCompID} > ${show(raw)}\n`),
              onOutgoing: (raw) => process.stderr.write(`${id.beginString} ${id.targetCompID} < ${show(raw)}\n`),
              onEvent: (text) => process.stderr.write(`${id.beginString} ${id.targetCompID}: ${text}\n`),
            }),
          }
        : {}),
    },
  });
  let bound: number;
  try {
    bound = await acceptor.listen(port);
  } catch (e) {
    process.stderr.write(`crucible fix-reflector: cannot listen on 127.0.0.1:${port}: ${(e as Error).message}\n`);
    process.exit(1);
  }
  process.stdout.write(`fix-reflector listening on 127.0.0.1:${bound} (SenderCompID ${options.sender}; TW42 on FIX.4.2, TW44 on FIX.4.4)\n`);
  const stop = (): void => {
    void acceptor.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

const program = new Command()
  .name('crucible')
  .description('A local trading venue: matching engine, FIX gateway and write-ahead journal (server and dashboard to come).')
  .showHelpAfterError();

program
  .command('start')
  .summary('run the venue: FIX gateway on 127.0.0.1:9878, HTTP and WebSocket API on 127.0.0.1:8080, the default instruments')
  .description(
    'run the venue until Ctrl-C or SIGTERM: a FIX 4.2/4.4 acceptor (SenderCompID CRUCIBLE, any client CompID) ' +
      'in front of the matching engine. Prints one line on stdout saying where it listens and what trades; ' +
      'a second line says what state it recovered from the data directory, with its state hash; ' +
      'a third where the HTTP server (REST, WebSocket market data, /health, /metrics) listens; ' +
      'the instrument table and session events go to stderr. Every command is journaled before it is acknowledged; ' +
      'on startup the newest snapshot is restored and the journal after it replayed, and FIX sessions continue ' +
      'their sequence numbers. On SIGINT/SIGTERM it stops taking orders, sends what is due, logs every session out, ' +
      'writes a snapshot and exits 0. Flags override the --config file',
  )
  .option('--fix-port <port>', 'TCP port of the FIX acceptor; 0 picks a free one (default 9878)')
  .option('--fix-host <host>', 'interface to listen on (default 127.0.0.1)')
  .option('--sender-comp-id <compId>', "the venue's SenderCompID (default CRUCIBLE)")
  .option('--data-dir <dir>', 'journal, snapshots and FIX session state; created on first start (default ./data)')
  .option('--fresh', 'start empty on purpose: an existing data directory is moved aside to <dir>.old-<time>')
  .option('--fsync <mode>', 'batch: acknowledge once an fsync covers the command (default); off: once written (survives kill -9, not a power cut)')
  .option('--config <file>', 'venue config (JSON): fix settings, allowed clients, instruments, self-trade prevention, dataDir, durability')
  .option('--http-port <port>', 'port of the HTTP server (REST /api, WebSocket /ws, /health, /metrics); 0 picks a free one (default 8080)')
  .option('--http-host <host>', 'interface the HTTP server listens on (default 127.0.0.1)')
  .option('--api-token <token>', 'bearer token for order entry and admin over REST (default: $CRUCIBLE_API_TOKEN, else one is generated and printed on stderr)')
  .option('--ws-interval <ms>', 'WebSocket book conflation: at most one book update per symbol per this many ms (default 100)')
  .option('--no-http', 'run without the HTTP server (FIX only)')
  .option('--feed <source>', 'the outside market: synthetic[:seed] (default, no network), binance (live, falls back when it fails), replay:<files> or none')
  .option('--feed-fallback <source>', 'with --feed binance: synthetic[:seed] (default), replay:<files> or none')
  .option('--binance-ws-url <url>', 'Binance WebSocket base (default wss://stream.binance.com:9443)')
  .option('--binance-rest-url <url>', 'Binance REST base (default https://api.binance.com)')
  .option('--replay-speed <x>', 'with --feed replay: 1 is real time (default), 10 ten times faster')
  .option('--no-strategies', 'run without the default market makers and takers')
  .action(startVenue);

program
  .command('replay-journal')
  .summary("rebuild the books from a venue's journal; print their state hash and a summary")
  .description(
    'replay a data directory (or a bare journal directory) through the venue\'s apply path: the newest snapshot ' +
      'that checks out, then every journal record after it (--from-scratch: every record from the first). Prints ' +
      'the state hash, the number of records, trades, and resting orders per symbol. Read-only: a torn tail is ' +
      'reported and left alone; a journal damaged before its end is an error (exit 1)',
  )
  .argument('<dir>', 'the data directory (or its journal/ directory)')
  .option('--from-scratch', 'ignore snapshots and replay every record')
  .option('--json', 'print the summary as one JSON object')
  .action((dir: string, options: { fromScratch?: boolean; json?: boolean }) => replayJournalCommand(dir, options));

program
  .command('console')
  .summary('the engine console: JSON commands on stdin, engine events on stdout')
  .description(
    'the matching engine with the default instruments and no network: JSON commands on stdin, ' +
      'JSON events on stdout, banner and help on stderr; ends at end of input or on Ctrl-C',
  )
  .action(engineConsole);

program
  .command('fix-reflector')
  .summary("run the FIX reflector of QuickFIX's acceptance transcripts")
  .description(
    'accept FIX sessions on 127.0.0.1 and echo NewOrderSingle and SecurityDefinition back, as the application ' +
      "QuickFIX's acceptance transcripts are written against: SenderCompID ISLD (or --sender), counterparty TW42 on " +
      'FIX.4.2 and TW44 on FIX.4.4, sequence numbers reset on every logon, messages validated against the data ' +
      'dictionaries. Prints the port it listens on; ends on Ctrl-C',
  )
  .requiredOption('--port <port>', 'TCP port on 127.0.0.1; 0 picks a free one')
  .option('--sender <compId>', 'the acceptor SenderCompID', 'ISLD')
  .option('--log', 'print every message and session event on stderr')
  .action(fixReflector);

program.addCommand(generateCommand());
program.addCommand(recordCommand());
program.addCommand((await import('./backtest.js')).backtestCommand());

await program.parseAsync(process.argv);
