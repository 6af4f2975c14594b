#!/usr/bin/env node
/**
 * The `vellum` command: the composition root. Each subcommand lives in its
 * own file and is loaded on demand, so `vellum verify` starts fast.
 */
import { CliError, runCommand } from './command.js';

// `vellum tail ... | head`: a reader that went away is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

runCommand(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof CliError) {
      process.stderr.write(`vellum: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(
        `vellum: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 70;
    }
  },
);
