/**
 * The artifact store's settings of `vellum serve`, from the environment:
 *
 *   VELLUM_RETENTION         default periods per class, comma-separated
 *                            <class>=<n><unit>, unit d (days), y (calendar
 *                            years) or s (seconds): "transient=14d,raw-evidence=2y".
 *                            Classes not named keep their defaults;
 *                            permanent-record never expires and cannot be set.
 *   VELLUM_MAX_FILE_BYTES    largest file (default 5 GiB, at most 5 TiB)
 *   VELLUM_MAX_PACKAGE_FILES most files in one package (default 10000, at most 1000000)
 *   VELLUM_UPLOAD_TTL        seconds a resumable upload may stay open (default 86400, at most a year)
 *   S3_RETENTION_MODE        GOVERNANCE or COMPLIANCE: the Object Lock mode of
 *                            new versions and of every raise (default GOVERNANCE)
 *
 * An empty value is the same as none. A value that does not parse stops the
 * server before it starts, naming the variable: a deployment never runs on
 * settings other than the ones it gave.
 */
import type { ArtifactDeps } from '../domain/artifacts/context.js';
import {
  checkPeriod,
  MAX_RETENTION_YEARS,
  RETENTION_CLASSES,
  type RetentionClass,
  type RetentionPeriod,
} from '../domain/artifacts/retention.js';
import { CliError } from './command.js';

type Settings = Pick<ArtifactDeps, 'retention' | 'limits' | 'uploadTtlSeconds' | 'objectLock'>;

/** Largest settings: the S3 object limit, a million files, a year. */
const MAX_FILE_BYTES = 5 * 1024 ** 4;
const MAX_PACKAGE_FILES = 1_000_000;
const MAX_UPLOAD_TTL = 365 * 86_400;

export function artifactSettings(env: NodeJS.ProcessEnv): Settings {
  const out: { -readonly [K in keyof Settings]: Settings[K] } = {};
  const retention = value(env, 'VELLUM_RETENTION');
  if (retention !== undefined) out.retention = parseRetention(retention);
  const maxFileBytes = count(env, 'VELLUM_MAX_FILE_BYTES', MAX_FILE_BYTES);
  const maxFilesPerPackage = count(env, 'VELLUM_MAX_PACKAGE_FILES', MAX_PACKAGE_FILES);
  if (maxFileBytes !== undefined || maxFilesPerPackage !== undefined)
    out.limits = {
      ...(maxFileBytes !== undefined && { maxFileBytes }),
      ...(maxFilesPerPackage !== undefined && { maxFilesPerPackage }),
    };
  const ttl = count(env, 'VELLUM_UPLOAD_TTL', MAX_UPLOAD_TTL);
  if (ttl !== undefined) out.uploadTtlSeconds = ttl;
  const mode = value(env, 'S3_RETENTION_MODE');
  if (mode !== undefined) {
    if (mode !== 'GOVERNANCE' && mode !== 'COMPLIANCE')
      throw new CliError(
        `S3_RETENTION_MODE must be GOVERNANCE or COMPLIANCE, not ${JSON.stringify(mode)}`,
        1,
      );
    out.objectLock = { mode };
  }
  return out;
}

/** "transient=14d,raw-evidence=2y" as periods per class. */
export function parseRetention(text: string): Partial<Record<RetentionClass, RetentionPeriod>> {
  const out: Partial<Record<RetentionClass, RetentionPeriod>> = {};
  const bad = (why: string) =>
    new CliError(
      `VELLUM_RETENTION: ${why} (expected <class>=<n>d|y|s, comma-separated, e.g. "transient=14d,raw-evidence=2y")`,
      1,
    );
  for (const item of text.split(',')) {
    const m = /^\s*([a-z-]+)\s*=\s*([1-9][0-9]{0,5})([dys])\s*$/.exec(item);
    if (!m) throw bad(`cannot read ${JSON.stringify(item.slice(0, 80))}`);
    const cls = m[1] as RetentionClass;
    if (!RETENTION_CLASSES.includes(cls))
      throw bad(`unknown class ${JSON.stringify(cls)}; the classes are ${RETENTION_CLASSES.join(', ')}`);
    if (cls === 'permanent-record') throw bad('permanent-record never expires; its period cannot be set');
    if (cls in out) throw bad(`${cls} is given twice`);
    const n = Number(m[2]);
    const period = m[3] === 'd' ? { days: n } : m[3] === 'y' ? { years: n } : { seconds: n };
    try {
      checkPeriod(period, cls);
    } catch (e) {
      throw bad(`${(e as Error).message}, at most ${MAX_RETENTION_YEARS} years`);
    }
    out[cls] = period;
  }
  return out;
}

/** A variable's value; unset when absent or empty (as `NAME=` in a compose file leaves it). */
function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

/** A positive integer setting up to `max`, or undefined when the variable is not set. */
function count(env: NodeJS.ProcessEnv, name: string, max: number): number | undefined {
  const v = value(env, name);
  if (v === undefined) return undefined;
  if (!/^[1-9][0-9]{0,15}$/.test(v) || Number(v) > max)
    throw new CliError(
      `${name} must be a positive integer up to ${max}, not ${JSON.stringify(v.slice(0, 40))}`,
      1,
    );
  return Number(v);
}
