#!/usr/bin/env node
// The `crucible` command.
import { Command } from 'commander';
import { banner, CONSOLE_HELP } from './banner.js';
import { DEFAULT_INSTRUMENTS, DEFAULT_LISTINGS } from './default-instruments.js';
import { EngineConsole, runEngineConsole } from './engine-console.js';

async function start(): Promise<void> {
  // A reader that goes away (`crucible start | head`) ends the session; it is not an error.
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

const program = new Command()
  .name('crucible')
  .description('A local trading venue: matching engine (FIX gateway, journal, server and dashboard to come).')
  .showHelpAfterError();

program
  .command('start')
  .summary('start the venue and its engine console')
  .description(
    'start the venue with the default instruments and an engine console: JSON commands on stdin, ' +
      'JSON events on stdout, banner and help on stderr; ends at end of input or on Ctrl-C',
  )
  .action(start);

await program.parseAsync(process.argv);
