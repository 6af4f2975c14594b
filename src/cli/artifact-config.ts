/**
 * The artifact store's settings of `vellum serve`, from the environment:
 *
 *   VELLUM_RETENTION         default periods per class, comma-separated
 *                            <class>=<n><unit>, unit d (days), y (calendar
 *                            years) or s (seconds): "transient=14d,raw-evidence=2y".
 *                            Classes not named keep their defaults;
 *                            permanent-record never expires and cannot be set.
 *   VELLUM_MAX_FILE_BYTES    largest file (default 5 GiB)
 *   VELLUM_MAX_PACKAGE_FILES most files in one package (default 10000)
 *   VELLUM_UPLOAD_TTL        seconds a resumable upload may stay open (default 86400)
 *   S3_RETENTION_MODE        GOVERNANCE or COMPLIANCE: the Object Lock mode of
 *                            new versions and of every raise (default GOVERNANCE)
 *
 * A value that does not parse stops the server before it starts, naming the
 * variable: a deployment never runs on settings other than the ones it gave.
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

export function artifactSettings(env: NodeJS.ProcessEnv): Settings {
  const out: { -readonly [K in keyof Settings]: Settings[K] } = {};
  if (env.VELLUM_RETENTION !== undefined) out.retention = parseRetention(env.VELLUM_RETENTION);
  const maxFileBytes = count(env, 'VELLUM_MAX_FILE_BYTES');
  const maxFilesPerPackage = count(env, 'VELLUM_MAX_PACKAGE_FILES');
  if (maxFileBytes !== undefined || maxFilesPerPackage !== undefined)
    out.limits = {
      ...(maxFileBytes !== undefined && { maxFileBytes }),
      ...(maxFilesPerPackage !== undefined && { maxFilesPerPackage }),
    };
  const ttl = count(env, 'VELLUM_UPLOAD_TTL');
  if (ttl !== undefined) out.uploadTtlSeconds = ttl;
  const mode = env.S3_RETENTION_MODE;
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

/** A positive integer setting, or undefined when the variable is not set. */
function count(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined) return undefined;
  if (!/^[1-9][0-9]{0,15}$/.test(v) || !Number.isSafeInteger(Number(v)))
    throw new CliError(`${name} must be a positive integer, not ${JSON.stringify(v.slice(0, 40))}`, 1);
  return Number(v);
}
