/**
 * Records search benchmark: indexes 1M records into a temp SQLite metadata
 * database (batches of 1,000, one transaction each) and reports the insert
 * rate, then full-text search latency p50/p95/p99 over 200 random one- and
 * two-word queries (limit 50; goal p95 < 50 ms), plus level and time
 * filters, a deep page and stats. Words follow a Zipf distribution over a 20,000-word
 * vocabulary, so queries hit both very common and rare words. The same on
 * PostgreSQL when it is reachable (VELLUM_TEST_DATABASE_URL; report only;
 * VELLUM_BENCH_PG_RECORDS sets its size). Prints numbers; asserts nothing.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { MetadataStore, RecordQuery, RecordRow } from '../src/storage/metadata.js';
import { openMetadata } from '../src/storage/sql/sql-metadata.js';
import { createSchema, postgresUrl } from '../test/helpers/postgres.js';
import { rate, result } from './run.js';

const RECORDS = 1_000_000;
const BATCH = 1000;
const QUERIES = 200;
const LIMIT = 50;
const VOCABULARY = 20_000;

/** mulberry32: a small seeded PRNG, so every run indexes the same records. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Corpus {
  row(i: number): RecordRow;
  word(): string;
}

function corpus(seed: number): Corpus {
  const rnd = prng(seed);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const words = Array.from({ length: VOCABULARY }, () =>
    Array.from({ length: 3 + Math.floor(rnd() * 8) }, () => letters[Math.floor(rnd() * 26)]).join(''),
  );
  // Zipf (s = 1): the k-th word has weight 1/k.
  const cdf: number[] = [];
  let sum = 0;
  for (let k = 1; k <= VOCABULARY; k++) {
    sum += 1 / k;
    cdf.push(sum);
  }
  const word = () => {
    const x = rnd() * sum;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return words[lo]!;
  };
  const levels = ['INFO', 'INFO', 'INFO', 'INFO', 'INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'];
  return {
    word,
    row(i) {
      const message = Array.from({ length: 6 + Math.floor(rnd() * 9) }, word).join(' ');
      const metadata = JSON.stringify({
        user: `u${Math.floor(rnd() * 10_000)}`,
        request: Math.floor(rnd() * 2 ** 32).toString(16),
        status: [200, 200, 200, 404, 500][Math.floor(rnd() * 5)],
      });
      return {
        tenant: 'acme',
        log: 'records',
        idx: i,
        level: levels[Math.floor(rnd() * levels.length)]!,
        message,
        metadata,
        actor: 'key-bench',
        host: `web-${i % 8}`,
        pid: 4000 + (i % 8),
        ts: 1_700_000_000_000 + i * 10,
        size: 160 + message.length + metadata.length,
      };
    },
  };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const ms = (x: number) => `${x.toFixed(2)} ms`;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function bench(
  label: string,
  s: MetadataStore,
  records: number,
  o: { size?: () => number; afterLoad?: () => Promise<void> } = {},
): Promise<void> {
  const c = corpus(42);
  const t0 = performance.now();
  for (let i = 0; i < records; i += BATCH)
    await s.records.insert(Array.from({ length: Math.min(BATCH, records - i) }, (_, j) => c.row(i + j)));
  const secs = (performance.now() - t0) / 1000;
  result(
    `${label} insert ${records.toLocaleString('en-US')} records`,
    rate(records, secs, ' rows'),
    `${secs.toFixed(1)} s, batches of ${BATCH}`,
  );
  if (o.size) {
    const bytes = o.size();
    result(
      `${label} database size`,
      `${(bytes / 2 ** 20).toFixed(0)} MiB`,
      `${Math.round(bytes / records)} B/record`,
    );
  }
  await o.afterLoad?.();

  const q = { tenant: 'acme', log: 'records', limit: LIMIT };
  for (let i = 0; i < 20; i++) await s.records.query({ ...q, text: c.word() }); // warm
  const one: number[] = [];
  const two: number[] = [];
  let full = 0;
  for (let i = 0; i < QUERIES; i++) {
    const text = i % 2 ? `${c.word()} ${c.word()}` : c.word();
    const t = performance.now();
    const page = await s.records.query({ ...q, text });
    (i % 2 ? two : one).push(performance.now() - t);
    if (page.rows.length === LIMIT) full++;
  }
  const all = [...one, ...two].sort((a, b) => a - b);
  one.sort((a, b) => a - b);
  two.sort((a, b) => a - b);
  result(
    `${label} search p50 / p95 / p99 (${QUERIES} queries)`,
    ms(pct(all, 95)),
    `p50 ${ms(pct(all, 50))}, p99 ${ms(pct(all, 99))}, max ${ms(all.at(-1) ?? 0)}; goal p95 < 50 ms; ${full} full pages`,
  );
  result(`${label}   one word  p50 / p95`, ms(pct(one, 95)), `p50 ${ms(pct(one, 50))}`);
  result(`${label}   two words p50 / p95`, ms(pct(two, 95)), `p50 ${ms(pct(two, 50))}`);
  const median = async (fn: () => Promise<unknown>) => {
    const t: number[] = [];
    for (let i = 0; i < 21; i++) t.push(await timed(fn));
    return ms(t.sort((a, b) => a - b)[10]!);
  };
  const at = (fraction: number) => 1_700_000_000_000 + Math.floor(records * fraction) * 10;
  const cases: [string, Partial<RecordQuery>][] = [
    ['newest 50, no filter', {}],
    ['newest 50 ERROR rows', { level: ['ERROR'] }],
    ['newest 50 INFO or DEBUG rows', { level: ['INFO', 'DEBUG'] }],
    ['a page at the middle of the log', { cursor: Math.floor(records / 2) }],
    ['time window: the last 10% of the log', { from: at(0.9) }],
    ['time window: 1 minute at 10% of the log', { from: at(0.1), to: at(0.1) + 60_000 }],
    ['time window: 40% of the log, ending at 50%', { from: at(0.1), to: at(0.5) }],
  ];
  for (const [what, filter] of cases)
    result(`${label} ${what} (median)`, await median(() => s.records.query({ ...q, ...filter })));
  result(`${label} stats (median)`, await median(() => s.records.stats('acme', 'records')));
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vellum-search-bench-'));
  try {
    const file = join(dir, 'metadata.db');
    const s = await openMetadata(`sqlite:${file}`);
    try {
      const size = () =>
        statSync(file).size + (statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0);
      await bench('sqlite', s, RECORDS, { size });
    } finally {
      await s.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  let schema: Awaited<ReturnType<typeof createSchema>>;
  try {
    schema = await createSchema();
  } catch (e) {
    console.log(`  postgres: skipped, ${postgresUrl()} unreachable (${(e as Error).message})`);
    return;
  }
  try {
    const s = await openMetadata(schema.url);
    try {
      // Autovacuum analyzes a table after bulk changes; do it now rather than wait for it.
      const analyze = async () => {
        const c = new pg.Client(schema.url);
        await c.connect();
        await c.query('analyze records');
        await c.end();
      };
      await bench('postgres', s, Number(process.env.VELLUM_BENCH_PG_RECORDS ?? RECORDS), {
        afterLoad: analyze,
      });
    } finally {
      await s.close();
    }
  } finally {
    await schema.drop();
  }
}
