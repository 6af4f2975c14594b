/** A small strict argument parser: unknown flags are errors, values are required where declared. */
import { CliError } from './command.js';

export interface FlagSpec {
  /** Takes a value (`--flag V` or `--flag=V`). */
  readonly value?: boolean;
  /** May be given more than once (values collected in order). */
  readonly repeat?: boolean;
}

export interface Parsed {
  readonly positional: string[];
  readonly flags: Map<string, string[]>;
}

export function parseArgs(args: readonly string[], spec: Record<string, FlagSpec>, usage: string): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a === '--') {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq === -1 ? undefined : eq);
    const s = spec[name];
    if (!s) throw new CliError(`unknown option --${name}\n${usage}`);
    let value = 'true';
    if (s.value) {
      if (eq !== -1) value = a.slice(eq + 1);
      else if (i + 1 < args.length) value = args[++i]!;
      else throw new CliError(`--${name} needs a value\n${usage}`);
    } else if (eq !== -1) {
      throw new CliError(`--${name} takes no value\n${usage}`);
    }
    const prev = flags.get(name);
    if (prev && !s.repeat) throw new CliError(`--${name} given twice\n${usage}`);
    flags.set(name, [...(prev ?? []), value]);
  }
  return { positional, flags };
}
