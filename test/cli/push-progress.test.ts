/**
 * `vellum package push` draws a progress bar on a terminal and nothing
 * elsewhere: run in-process against a listening app, with a standard error
 * that says it is (or is not) a terminal.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Io } from '../../src/cli/command.js';
import { packageCommand } from '../../src/cli/package.js';
import { makeTenant, openStack, type Stack } from '../helpers/http.js';

/** A stream that keeps what is written to it, presenting itself as a terminal or not. */
function sink(tty: boolean): Writable & { text: string; isTTY: boolean; columns: number } {
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      (w as unknown as { text: string }).text += chunk.toString();
      cb();
    },
  }) as Writable & { text: string; isTTY: boolean; columns: number };
  w.text = '';
  w.isTTY = tty;
  w.columns = 120;
  return w;
}

describe('vellum package push: progress bar', () => {
  let s: Stack;
  let url = '';
  let token = '';
  let dir = '';

  before(async () => {
    s = await openStack();
    token = (await makeTenant(s, 'acme', 0)).tokens.writer!;
    url = await s.app.listen({ port: 0, host: '127.0.0.1' });
    dir = mkdtempSync(join(tmpdir(), 'vellum-push-progress-'));
    mkdirSync(join(dir, 'evidence', 'logs'), { recursive: true });
    writeFileSync(join(dir, 'evidence', 'big.bin'), Buffer.alloc(8 * 1024 * 1024, 3));
    writeFileSync(join(dir, 'evidence', 'logs', 'run.log'), 'line\n');
  });
  after(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const push = async (tty: boolean) => {
    const io: Io = { stdout: sink(false), stderr: sink(tty) };
    const code = await packageCommand(
      ['push', join(dir, 'evidence'), '--subject', 's', '--class', 'raw-evidence', '--tenant', 'acme'],
      io,
      { VELLUM_URL: url, VELLUM_TOKEN: token },
    );
    return {
      code,
      out: (io.stdout as ReturnType<typeof sink>).text,
      err: (io.stderr as ReturnType<typeof sink>).text,
    };
  };

  it('draws the bar on a terminal, ends at 100% and clears it', async () => {
    const r = await push(true);
    assert.equal(r.code, 0, r.err);
    const total = 8 * 1024 * 1024 + 5;
    const frames = r.err.split('\r').filter((f) => f.startsWith('push pkg_'));
    assert.ok(frames.length >= 1, JSON.stringify(r.err.slice(0, 300)));
    const last = frames.at(-1)!;
    assert.match(last, new RegExp(`^push pkg_[0-9a-f]{24} \\[#+\\] +100\\.0% ${total}/${total} `));
    assert.ok(r.err.endsWith('\r\x1b[K'), 'the bar is cleared at the end');
    assert.match(r.out, /pkg_[0-9a-f]{24}/);
  });

  it('writes no bar when standard error is not a terminal', async () => {
    const r = await push(false);
    assert.equal(r.code, 0, r.err);
    assert.ok(!r.err.includes('\r'), JSON.stringify(r.err));
    assert.match(r.out, /pkg_[0-9a-f]{24}/);
  });
});
