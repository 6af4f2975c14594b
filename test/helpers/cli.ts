/**
 * Runs commands as child processes, asynchronously (so a test may serve HTTP
 * to them from its own event loop), and collects their exit status and output.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './reference-tools.js';

/** The compiled `vellum` command. */
export const vellumMain = join(repoRoot, 'dist/src/cli/main.js');

export interface RunResult {
  /** Exit code, or null when killed by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `file args`; never rejects for a non-zero exit, only when the program cannot start. */
export function run(file: string, args: readonly string[], timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** `node dist/src/cli/main.js ...args` (stdout and stderr are pipes, so no progress bar). */
export function vellum(args: readonly string[]): Promise<RunResult> {
  return run(process.execPath, [vellumMain, ...args]);
}

/** A short description of a run for assertion messages. */
export function describeRun(name: string, r: RunResult): string {
  return `${name} exited ${r.code ?? r.signal}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

/** Whether text looks like a JavaScript stack trace. */
export function hasStackTrace(text: string): boolean {
  return /\n\s+at .+[:(]/.test(text) || text.includes('internal error');
}
