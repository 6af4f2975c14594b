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

/** Where and how `run` starts the program. */
export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Written to standard input, which is then closed (default: no standard input). */
  readonly stdin?: string | Buffer;
  readonly timeoutMs?: number;
}

/** Runs `file args`; never rejects for a non-zero exit, only when the program cannot start. */
export function run(file: string, args: readonly string[], o: number | RunOptions = {}): Promise<RunResult> {
  const opts: RunOptions = typeof o === 'number' ? { timeoutMs: o } : o;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 30_000,
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      ...(opts.env ? { env: opts.env } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    if (opts.stdin !== undefined) {
      child.stdin!.on('error', () => {}); // a command that exits before reading all of it
      child.stdin!.end(opts.stdin);
    }
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
