import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './usage-error';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parsed flags and positionals of one command. */
export interface ParsedCommand {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * `util.parseArgs` (strict) for one command, turning its errors into a {@link UsageError} that names the command and
 * points at its help.
 */
export function parseCommand(command: string, args: string[], options: Options): ParsedCommand {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as ParsedCommand['values'], positionals };
  } catch (error) {
    // Node's messages go on with advice about `--` that does not apply here: keep the first sentence. Duck-typed:
    // errors from node:util may come from another realm (jest's VM), where instanceof Error is false.
    const text = String((error as { message?: unknown })?.message ?? 'bad arguments');
    const message = (text.split(/\.\s|\n/)[0] ?? '').replace(/\.$/, '');
    throw new UsageError(`${command}: ${message}. Run \`oauth-store ${command} --help\`.`);
  }
}

/** A positive integer flag (default when absent); a usage error otherwise. */
export function integerFlag(command: string, name: string, value: unknown, fallback: number, max = 100_000): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1 || parsed > max) {
    throw new UsageError(`${command}: --${name} must be a whole number from 1 to ${max}.`);
  }
  return parsed;
}

/** A string flag, or undefined. */
export function stringFlag(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A required string flag; a usage error naming it when absent. */
export function requiredFlag(command: string, name: string, value: unknown, example: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new UsageError(`${command}: --${name} is required, as in \`oauth-store ${command} ${example}\`.`);
  }
  return value;
}
