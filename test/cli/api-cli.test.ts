/**
 * The commands over the API (tenant, key, log, append, tail, proof, verify
 * <tenant>/<log>) as a user runs them: child processes with VELLUM_URL and
 * VELLUM_TOKEN against one real `vellum serve` (a child process too, on a
 * free port, with VELLUM_ADMIN_TOKEN), whose data directory the tests know
 * (to tamper with a tile). Also the README's command-line walk-through.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ImmutableLogger } from '../../src/client/index.js';
import { parseVerifierKey } from '../../src/tlog/note.js';
import { parseReceipt, verifyReceipt } from '../../src/tlog/receipt.js';
import { describeRun, hasStackTrace, type RunResult, run, vellumMain } from '../helpers/cli.js';
import { referenceTool, repoRoot } from '../helpers/reference-tools.js';

const ADMIN = `vk_0123456789abcdef_${'A'.repeat(42)}E`;
const TENANT = 'globex';

let dir = '';
let data = '';
let url = '';
let server: ChildProcess | undefined;
let serverOut = '';
/** Tokens of `globex` by role. */
const tokens: Record<string, string> = {};

interface Options {
  /** VELLUM_TOKEN; null leaves it unset. Default: the tenant-admin key (once made), else the admin. */
  readonly token?: string | null;
  readonly stdin?: string | Buffer;
  readonly env?: Record<string, string>;
}

/** `vellum args...` with VELLUM_URL and VELLUM_TOKEN, in the temp directory. */
function cli(args: readonly string[], o: Options = {}): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, VELLUM_URL: url, ...o.env };
  delete env.VELLUM_TOKEN;
  const token = o.token === undefined ? (tokens['tenant-admin'] ?? ADMIN) : o.token;
  if (token !== null) env.VELLUM_TOKEN = token;
  return run(process.execPath, [vellumMain, ...args], { cwd: dir, env, stdin: o.stdin ?? '' });
}

/** Asserts exit 0 and returns stdout. */
async function ok(args: readonly string[], o: Options = {}): Promise<string> {
  const r = await cli(args, o);
  assert.equal(r.code, 0, describeRun(`vellum ${args.join(' ')}`, r));
  assert.ok(!hasStackTrace(r.stderr), r.stderr);
  return r.stdout;
}

/** Asserts exit `code` with a message on stderr matching `message`, and no stack trace. */
async function fails(
  args: readonly string[],
  code: number,
  message: RegExp,
  o: Options = {},
): Promise<RunResult> {
  const r = await cli(args, o);
  assert.equal(r.code, code, describeRun(`vellum ${args.join(' ')}`, r));
  assert.match(r.stderr, message, describeRun(`vellum ${args.join(' ')}`, r));
  assert.ok(!hasStackTrace(r.stderr), r.stderr);
  return r;
}

const field = (out: string, name: string) => new RegExp(`^${name} +(\\S+)$`, 'm').exec(out)?.[1];
const lines = (out: string) => out.split('\n').filter((l) => l !== '');

describe('the CLI over the API', () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vellum-api-cli-'));
    data = join(dir, 'data');
    server = spawn(process.execPath, [vellumMain, 'serve', '--data', data, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, VELLUM_LOG_LEVEL: 'warn', VELLUM_ADMIN_TOKEN: ADMIN },
    });
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start:\n${serverOut}`)), 20_000);
      const onData = (d: Buffer) => {
        serverOut += d.toString();
        const m = /Vellum listening on (http:\/\/\S+)/.exec(serverOut);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      };
      server!.stdout!.on('data', onData);
      server!.stderr!.on('data', onData);
      server!.on('exit', (code) => reject(new Error(`serve exited ${code}:\n${serverOut}`)));
    });
  });

  after(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.on('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('explains usage errors with exit 2 and no stack trace; help lists the commands', async () => {
    const help = await ok(['help'], { token: null });
    for (const c of [
      'tenant create',
      'key create',
      'log create',
      'log read',
      'append',
      'tail',
      'proof',
      'VELLUM_TOKEN',
    ])
      assert.ok(help.includes(c), `help mentions ${c}`);
    for (const c of ['tenant', 'key', 'log', 'append', 'tail', 'proof', 'verify'])
      assert.match(await ok([c, '--help'], { token: null }), /^Usage: vellum /);

    const usage: [string[], RegExp, Options?][] = [
      [['tenant'], /tenant needs a subcommand/],
      [['tenant', 'create'], /exactly one name/],
      [['tenant', 'create', 'Big Co'], /is not a tenant name/],
      [['key', 'create', TENANT], /needs --role/],
      [['key', 'create', TENANT, '--role', 'boss'], /'boss' is not a role/],
      [['key', 'revoke', TENANT, 'zz'], /is not a key id/],
      [['log'], /log needs a subcommand/],
      [['log', 'create', 'events'], /is not <tenant>\/<log>/],
      [['log', 'list', TENANT, '--public'], /--public is for log create/],
      [['log', 'read', TENANT, '--level', 'LOUD'], /'LOUD' is not a level/],
      [['log', 'read', TENANT, '--from', 'yesterday'], /--from must be a time/],
      [['log', 'search', TENANT], /needs the text/],
      [['append', `${TENANT}/events`, '--wait', 'forever'], /--wait is durable or published/],
      [['append', `${TENANT}/events`, '--bogus'], /unknown option --bogus/],
      [['append', `${TENANT}/events`, '--file', join(dir, 'missing.txt')], /cannot read --file/],
      [['tail', `${TENANT}/events`, '--from', '-1'], /--from must be a whole number/],
      [['proof', `${TENANT}/events`], /needs <tenant>\/<log> and an index/],
      [['proof', `${TENANT}/events`, 'seven'], /the index must be a whole number/],
      [['proof', `${TENANT}/events`, '--consistency', '5', '--vkey', 'k'], /vellum verify/],
      [['verify'], /exactly one log location/],
      [['nope'], /unknown command 'nope'/],
      [
        ['tenant', 'list'],
        /VELLUM_URL must be the server's http\(s\) URL/,
        { env: { VELLUM_URL: 'ftp://x' } },
      ],
    ];
    const runs = await Promise.all(usage.map(([args, , o]) => cli(args, o ?? { token: null })));
    runs.forEach((r, i) => {
      const [args, message] = usage[i]!;
      const what = describeRun(`vellum ${args.join(' ')}`, r);
      assert.equal(r.code, 2, what);
      assert.match(r.stderr, /^vellum: /, what);
      assert.match(r.stderr, message, what);
      assert.ok(!hasStackTrace(r.stderr), what);
      assert.equal(r.stdout, '', what);
    });
  });

  it('makes and lists tenants with the platform-admin key', async () => {
    assert.match(
      await ok(['tenant', 'create', TENANT], { token: ADMIN }),
      /tenant globex created with the logs records/,
    );
    await fails(['tenant', 'create', TENANT], 1, /already exists/, { token: ADMIN });
    assert.match(await ok(['tenant', 'list'], { token: ADMIN }), /^globex +\d{4}-\d\d-\d\dT/m);
    const json = JSON.parse(await ok(['tenant', 'list', '--json'], { token: ADMIN }));
    assert.deepEqual(
      json.tenants.map((t: { name: string }) => t.name),
      [TENANT],
    );
    await fails(['tenant', 'list'], 1, /this needs an API key: set VELLUM_TOKEN/, { token: null });
    // --url and --token instead of the environment.
    assert.match(
      await ok(['tenant', 'list', '--url', url, '--token', ADMIN], {
        token: null,
        env: { VELLUM_URL: 'http://127.0.0.1:9' },
      }),
      /^globex /m,
    );
  });

  it('makes, lists and revokes keys; a revoked or wrong key gets an error that says what to do', async () => {
    const r = await cli(['key', 'create', TENANT, '--role', 'tenant-admin', '--name', 'admin'], {
      token: ADMIN,
    });
    assert.equal(r.code, 0, describeRun('key create', r));
    assert.match(r.stdout, /^vk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\n$/, 'the token alone on stdout');
    assert.match(r.stderr, /shown only this once/);
    tokens['tenant-admin'] = r.stdout.trim();
    for (const role of ['writer', 'reader', 'auditor'])
      tokens[role] = (await ok(['key', 'create', TENANT, '--role', role])).trim();

    const list = await ok(['key', 'list', TENANT]);
    assert.match(list, /^ID +ROLE +CREATED +REVOKED +NAME$/m);
    const readerId = /^([0-9a-f]{16}) +reader /m.exec(list)?.[1];
    assert.ok(readerId, list);
    assert.ok(!list.includes(tokens.reader!.split('_')[2]!), 'no secrets in the list');

    await ok(['log', 'list', TENANT], { token: tokens.reader! });
    assert.equal(await ok(['key', 'revoke', TENANT, readerId]), `revoked key ${readerId}\n`);
    const keys = JSON.parse(await ok(['key', 'list', TENANT, '--json'])).keys as {
      id: string;
      revokedAt: string | null;
    }[];
    assert.ok(keys.find((k) => k.id === readerId)?.revokedAt);
    await fails(['log', 'list', TENANT], 1, /does not accept this API key.*set VELLUM_TOKEN.*revoked/, {
      token: tokens.reader!,
    });
    await fails(['log', 'list', TENANT], 1, /set VELLUM_TOKEN \(or --token\) to a valid API key/, {
      token: `vk_${'1'.repeat(16)}_${'x'.repeat(43)}`,
    });
    await fails(['key', 'list', TENANT], 1, /forbidden.*role may do this/, { token: tokens.writer! });
    await fails(['tenant', 'list'], 1, /is `vellum serve` running at http:\/\/127\.0\.0\.1:9\?/, {
      env: { VELLUM_URL: 'http://127.0.0.1:9' },
    });
  });

  it('makes logs (also with its own signer key), lists and describes them', async () => {
    const created = await ok(['log', 'create', `${TENANT}/events`]);
    const host = url.replace('http://', '');
    assert.equal(field(created, 'origin'), `${host}/logs/${TENANT}/events`);
    assert.match(field(created, 'vkey') ?? '', new RegExp(`^${host}/logs/${TENANT}/events\\+[0-9a-f]{8}\\+`));
    await fails(['log', 'create', `${TENANT}/events`], 1, /exists/);

    const keyFile = join(dir, 'mine.key');
    writeFileSync(keyFile, await ok(['keygen', 'example.com/globex/mine'], { token: null }));
    const [, vkey] = lines(readFileSync(keyFile, 'utf8'));
    const mine = await ok(['log', 'create', `${TENANT}/mine`, '--skey-file', keyFile, '--public']);
    assert.equal(field(mine, 'origin'), 'example.com/globex/mine');
    assert.equal(field(mine, 'vkey'), vkey);
    assert.equal(field(mine, 'public'), 'true');
    await ok(['log', 'create', `${TENANT}/big`]);
    await ok(['log', 'create', `${TENANT}/follow`]);

    const list = await ok(['log', 'list', TENANT]);
    for (const l of ['records', 'audit', 'reads', 'operations', 'events', 'mine', 'big'])
      assert.match(list, new RegExp(`^${l} `, 'm'));
    const info = await ok(['log', 'info', `${TENANT}/mine`]);
    assert.equal(field(info, 'size'), '0');
    assert.equal(field(info, 'vkey'), vkey);
    assert.equal(
      JSON.parse(await ok(['log', 'info', `${TENANT}/mine`, '--json'])).origin,
      'example.com/globex/mine',
    );
    await fails(['log', 'info', `${TENANT}/nope`], 1, /no log globex\/nope.*vellum log list/);
  });

  it('appends lines from stdin and --file, printing their indexes in order', async () => {
    const n = 10_000;
    const stdin = Array.from({ length: n }, (_, i) => `line ${i}\n`).join('');
    const out = await ok(['append', `${TENANT}/events`], { token: tokens.writer!, stdin });
    assert.deepEqual(
      lines(out),
      Array.from({ length: n }, (_, i) => String(i)),
    );

    // \r\n and \n, an empty line, bytes that are not UTF-8, and a last line without a newline.
    const file = join(dir, 'mixed.txt');
    writeFileSync(
      file,
      Buffer.concat([Buffer.from('a\r\n\r\n'), Buffer.from([0x62, 0xff, 0x0a]), Buffer.from('c')]),
    );
    const out2 = await ok(['append', `${TENANT}/events`, '--file', file, '--wait', 'published'], {
      token: tokens.writer!,
    });
    assert.equal(out2, '10000\n10001\n10002\n10003\n');
    assert.equal(await ok(['append', `${TENANT}/events`], { token: tokens.writer!, stdin: '' }), '');
    await fails(
      ['append', `${TENANT}/events`],
      1,
      /line 1 was not appended: forbidden[\s\S]*No line was appended/,
      {
        token: tokens.auditor!,
        stdin: 'x\n',
      },
    );
  });

  it('refuses a line over 65,535 bytes, sending nothing of its batch', async () => {
    const file = join(dir, 'big.txt');
    const body = Array.from({ length: 1500 }, (_, i) =>
      i === 0 ? 'y'.repeat(65_535) : i === 1199 ? 'x'.repeat(70_000) : `entry ${i}`,
    );
    writeFileSync(file, `${body.join('\n')}\n`);
    const r = await fails(
      ['append', `${TENANT}/big`, '--file', file, '--wait', 'published'],
      1,
      /line 1200 is longer than 65,535 bytes.*nothing from line 1001 on was sent[\s\S]*Lines 1-1000 were appended/,
      { token: tokens.writer! },
    );
    assert.deepEqual(
      lines(r.stdout),
      Array.from({ length: 1000 }, (_, i) => String(i)),
    );
    assert.equal(field(await ok(['log', 'info', `${TENANT}/big`]), 'size'), '1000');
  });

  it('tails a log as text or base64, and follows new entries until interrupted', async () => {
    assert.deepEqual(lines(await ok(['tail', `${TENANT}/events`])), [
      '9994\tline 9994',
      '9995\tline 9995',
      '9996\tline 9996',
      '9997\tline 9997',
      '9998\tline 9998',
      '9999\tline 9999',
      '10000\ta',
      '10001\t',
      '10002\tbase64:Yv8=',
      '10003\tc',
    ]);
    assert.equal(await ok(['tail', `${TENANT}/events`, '--from', '10002']), '10002\tbase64:Yv8=\n10003\tc\n');
    assert.equal(
      lines(await ok(['tail', `${TENANT}/events`, '--from', '0'], { token: tokens.auditor! })).length,
      10_004,
    );
    await fails(['tail', `${TENANT}/events`, '--from', '20000'], 1, /beyond the published log/);

    // One follower from the start, one from beyond the end (it waits for the log to grow).
    const fromStart = follow(`${TENANT}/follow`, 0, tokens.auditor!);
    const ahead = follow(`${TENANT}/follow`, 1, tokens['tenant-admin']!);
    try {
      await ok(['append', `${TENANT}/follow`, '--wait', 'published'], {
        token: tokens.writer!,
        stdin: 'first\n',
      });
      await until(() => fromStart.out().includes('0\tfirst\n'), fromStart.describe);
      await ok(['append', `${TENANT}/follow`, '--wait', 'published'], {
        token: tokens.writer!,
        stdin: 'second\nthird\n',
      });
      await until(() => fromStart.out().includes('2\tthird\n'), fromStart.describe);
      await until(() => ahead.out().includes('2\tthird\n'), ahead.describe);
      assert.equal(fromStart.out(), '0\tfirst\n1\tsecond\n2\tthird\n');
      assert.equal(ahead.out(), '1\tsecond\n2\tthird\n');
    } finally {
      // Interrupted, they stop cleanly.
      assert.equal(await fromStart.interrupt(), 0, fromStart.describe());
      assert.equal(await ahead.interrupt(), 0, ahead.describe());
    }
  });

  it('reads, searches and counts the records the SDK wrote', async () => {
    const logger = new ImmutableLogger({ url, token: tokens['tenant-admin']!, log: TENANT });
    await logger.audit('Database query executed', { query: 'SELECT 1', user: 'admin@example.com' });
    await logger.security('Failed login attempt', { ip: '203.0.113.42', attempts: 5 });
    await logger.info('multi\nline');
    await logger.close();

    const all = lines(await ok(['log', 'read', TENANT]));
    assert.equal(all.length, 3);
    assert.match(all[0]!, /^\d{4}-\d\d-\d\dT\S+Z {2}INFO {6}#2 {2}multi\\nline$/);
    assert.match(
      all[1]!,
      /SECURITY {2}#1 {2}Failed login attempt {2}\{"ip":"203\.0\.113\.42","attempts":5\}$/,
    );
    assert.match(all[2]!, /AUDIT {5}#0 {2}Database query executed/);

    const sec = JSON.parse(await ok(['log', 'read', TENANT, '--level', 'security,audit', '--json']));
    assert.deepEqual(
      sec.records.map((r: { level: string }) => r.level),
      ['SECURITY', 'AUDIT'],
    );
    assert.equal(sec.nextCursor, null);
    const found = lines(await ok(['log', 'search', TENANT, '203.0.113.42']));
    assert.equal(found.length, 1);
    assert.match(found[0]!, /Failed login attempt/);
    assert.equal(await ok(['log', 'search', TENANT, 'no-such-word']), '');

    const first = await cli(['log', 'read', TENANT, '--limit', '1']);
    assert.equal(lines(first.stdout).length, 1);
    const cursor = /--cursor (\d+)/.exec(first.stderr)?.[1];
    assert.ok(cursor, first.stderr);
    assert.match(await ok(['log', 'read', TENANT, '--limit', '1', '--cursor', cursor]), /#1 {2}Failed login/);
    assert.equal(await ok(['log', 'read', TENANT, '--from', '2999-01-01T00:00:00Z']), '');
    assert.equal(lines(await ok(['log', 'read', TENANT, '--to', String(Date.now() + 60_000)])).length, 3);

    const stats = await ok(['log', 'stats', TENANT], { token: tokens.auditor! });
    assert.match(stats, /^records +3$/m);
    assert.match(stats, /^ {2}SECURITY +1$/m);
    const json = JSON.parse(await ok(['log', 'stats', TENANT, '--json']));
    assert.equal(json.totalEntries, 3);
    assert.deepEqual(json.levels, { AUDIT: 1, INFO: 1, SECURITY: 1 });
    await fails(['log', 'read', TENANT], 1, /forbidden/, { token: tokens.writer! });
  });

  it('prints receipts, checked locally with --vkey, and consistency proofs', async () => {
    const vkey = field(await ok(['log', 'info', `${TENANT}/events`]), 'vkey')!;
    const r = await cli(['proof', `${TENANT}/events`, '5', '--vkey', vkey], { token: tokens.auditor! });
    assert.equal(r.code, 0, describeRun('proof', r));
    assert.match(r.stderr, /^verified: entry 5 is in the tree of size 10004/);
    const receipt = parseReceipt(r.stdout);
    assert.equal(receipt.index, 5);
    verifyReceipt(receipt, { logKey: parseVerifierKey(vkey), entry: new TextEncoder().encode('line 5') });
    assert.equal(await ok(['proof', `${TENANT}/events`, '5']), r.stdout, 'the same receipt without --vkey');

    const keyFile = join(dir, 'events.vkey');
    writeFileSync(keyFile, `${vkey}\n`);
    await ok(['proof', `${TENANT}/events`, '10003', '--vkey', `@${keyFile}`]);
    const other = field(await ok(['log', 'info', `${TENANT}/records`]), 'vkey')!;
    const bad = await fails(
      ['proof', `${TENANT}/events`, '5', '--vkey', other],
      1,
      /^vellum: FAIL: the receipt of entry 5/,
    );
    assert.equal(bad.stdout, '');
    await fails(['proof', `${TENANT}/events`, '10004'], 1, /entry 10004 is not in the published log/);

    const c = JSON.parse(await ok(['proof', `${TENANT}/events`, '--consistency', '10', '20']));
    assert.equal(c.from, 10);
    assert.equal(c.to, 20);
    assert.ok(c.proof.length > 0);
    assert.match(c.checkpoint, /\n10004\n/);
    assert.equal(JSON.parse(await ok(['proof', `${TENANT}/events`, '--consistency', '10'])).to, 10004);
  });

  it('verifies a log at the server URL, and fails on a tampered tile', async () => {
    const vkey = field(await ok(['log', 'info', `${TENANT}/events`]), 'vkey')!;
    const at = `${url}/logs/${TENANT}/events`;
    const good = await ok(['verify', at, '--vkey', vkey], { token: tokens.auditor! });
    assert.match(
      good,
      new RegExp(`^OK origin=${url.replace('http://', '')}/logs/globex/events size=10004 root=`),
    );
    const tofu = await cli(['verify', `${TENANT}/events`], { token: tokens.auditor! });
    assert.equal(tofu.code, 0, describeRun('verify <tenant>/<log>', tofu));
    assert.equal(tofu.stdout, good);
    assert.match(tofu.stderr, /warning: the verifier key was taken from the server \(trust on first use\)/);
    assert.equal(await ok(['verify', `${TENANT}/events`, '--vkey', vkey]), good);
    const anonymous = await cli(['verify', at, '--vkey', vkey], { token: null });
    assert.equal(anonymous.code, 1, describeRun('verify without a key', anonymous));
    assert.match(anonymous.stdout, /^FAIL checkpoint: .*HTTP 401/);
    assert.match(anonymous.stderr, /set VELLUM_TOKEN/);
    // A public log needs no key.
    const mine = field(await ok(['log', 'info', `${TENANT}/mine`]), 'vkey')!;
    assert.match(
      await ok(['verify', `${url}/logs/${TENANT}/mine`, '--vkey', mine], { token: null }),
      /^OK .* size=0 /,
    );

    const tile = join(data, 'logs', TENANT, 'events', 'tile', '0', '000');
    const original = readFileSync(tile);
    chmodSync(tile, 0o644);
    const bytes = Buffer.from(original);
    bytes[100] = bytes[100]! ^ 0xff;
    writeFileSync(tile, bytes);
    try {
      const bad = await cli(['verify', `${TENANT}/events`, '--vkey', vkey], { token: tokens.auditor! });
      assert.equal(bad.code, 1, describeRun('verify a tampered log', bad));
      assert.match(bad.stdout, /^FAIL tile\/0\/000: /);
      const audit = referenceTool('tlog-audit');
      if (audit) {
        const go = await run(audit, [
          '-log',
          at,
          '-vkey',
          vkey,
          '-H',
          `Authorization: Bearer ${tokens.auditor}`,
        ]);
        assert.equal(go.code, 1, describeRun('tlog-audit on the tampered log', go));
      }
    } finally {
      writeFileSync(tile, original);
    }
    assert.equal(await ok(['verify', at, '--vkey', vkey], { token: tokens.auditor! }), good);
  });

  it("runs the README's command-line walk-through as written", async (t) => {
    if (spawnSync('bash', ['--version']).status !== 0) return t.skip('bash is not installed');
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const at = readme.indexOf('<!-- README-CLI-SNIPPET');
    assert.ok(at >= 0, 'README has the CLI snippet marker');
    const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at))?.[1];
    assert.ok(block, 'a sh block follows the marker');
    const script = block
      .replace('export VELLUM_URL=http://127.0.0.1:8080', `export VELLUM_URL=${url}`)
      .replaceAll('npx vellum ', `'${process.execPath}' '${vellumMain}' `);
    assert.ok(script.includes(url));
    // Where the snippet runs: a directory whose data/admin-token is the server's admin token
    // (the file `vellum serve` writes at its first start; this server got VELLUM_ADMIN_TOKEN).
    const cwd = join(dir, 'readme');
    mkdirSync(join(cwd, 'data'), { recursive: true });
    writeFileSync(join(cwd, 'data', 'admin-token'), `${ADMIN}\n`, { mode: 0o600 });
    const env = { ...process.env };
    delete env.VELLUM_URL;
    delete env.VELLUM_TOKEN;
    const r = await run('bash', ['-euo', 'pipefail', '-c', script], { cwd, env });
    assert.equal(r.code, 0, describeRun('README CLI snippet', r));
    assert.match(r.stdout, /^tenant acme created/m);
    assert.match(r.stdout, /^0\n1\n/m, 'the indexes of the two lines');
    assert.equal(lines(readFileSync(join(cwd, 'indexes.txt'), 'utf8')).length, 1000);
    assert.match(r.stdout, /^992\tbuild step 991\n[\s\S]*^1001\tbuild step 1000$/m);
    assert.match(r.stdout, /^c2sp\.org\/tlog-proof@v1\nindex 0\n/m);
    assert.match(r.stderr, /verified: entry 0/);
    assert.match(r.stdout, /^OK origin=127\.0\.0\.1:\d+\/logs\/acme\/events size=1002 /m);
    assert.match(r.stdout, /^records +0$/m);
  });
});

/** `vellum tail <log> --from <from> --follow`, running. */
function follow(log: string, from: number, token: string) {
  const child = spawn(
    process.execPath,
    [vellumMain, 'tail', log, '--from', String(from), '--follow', '--interval', '100'],
    { env: { ...process.env, VELLUM_URL: url, VELLUM_TOKEN: token }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    out: () => out,
    describe: () => `tail --from ${from} --follow printed:\n${out}--- stderr\n${err}`,
    interrupt: () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}

async function until(cond: () => boolean, what: () => string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
