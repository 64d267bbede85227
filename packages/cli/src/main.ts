import { isOAuthStoreError } from '@oauth-store/core';
import type { CommandIo } from './commands/io';
import { StatusLine } from './status-line';
import { UsageError } from './usage-error';
import { CLI_VERSION } from './version';

/** Help text of `oauth-store` itself. */
export const MAIN_HELP = `Usage: oauth-store <command> [options]

Commands:
  demo                    reproduce "Client Not Registered" across instances, then fix it with a shared store
  doctor <mcp-server-url> diagnose an MCP server's OAuth setup (metadata, DCR, per-instance storage, auth methods)
  keys generate           print a new 32-byte key (base64), or write it to --out FILE (mode 0600)
  keys rewrap             re-wrap records under the current primary key (--store URL --key-file FILE)
  migrate                 copy collections between two stores (--from URL --to URL), resumable
  inspect <store-url>     entries and bytes per collection

Run \`oauth-store <command> --help\` for a command's options. Store URLs:
https://github.com/oauth-store/oauth-store/blob/main/docs/cli.md#store-connection-strings
`;

type Command = (args: string[], io: CommandIo) => Promise<number>;

/**
 * Loads only the command asked for: `--help` and `keys` start without reading the demo's or a backend's modules,
 * whose packages are optional peers that may not be installed.
 */
async function loadCommand(name: string, rest: string[]): Promise<[Command, string[]] | undefined> {
  switch (name) {
    case 'demo':
      return [(await import('./commands/demo')).demoCommand, rest];
    case 'doctor':
      return [(await import('./commands/doctor')).doctorCommand, rest];
    case 'keys':
      return [(await import('./commands/keys')).keysCommand, rest];
    case 'migrate':
      return [(await import('./commands/migrate')).migrateCommand, rest];
    case 'inspect':
      return [(await import('./commands/inspect')).inspectCommand, rest];
    default:
      return undefined;
  }
}

/** Default {@link CommandIo} on the process's streams. */
export function processIo(signal: AbortSignal): CommandIo {
  const stderr = (text: string) => void process.stderr.write(text);
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr,
    status: new StatusLine(stderr, Boolean(process.stderr.isTTY)),
    signal,
  };
}

/**
 * Runs the CLI with `argv` (without node and the script) and resolves to the exit code: 0 success, 1 a failure or a
 * finding, 2 a usage error, 130 interrupted. Every error is printed as one line saying what is wrong and what to do.
 */
export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(MAIN_HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`${CLI_VERSION}\n`);
    return 0;
  }
  try {
    const found = await loadCommand(name, rest);
    if (!found)
      throw new UsageError(`unknown command "${name.slice(0, 40)}". Run \`oauth-store --help\` for the list.`);
    return await found[0](found[1], io);
  } catch (error) {
    io.status.done();
    if (io.signal.aborted) {
      io.stderr('oauth-store: interrupted; everything it started has been stopped.\n');
      return 130;
    }
    if (error instanceof UsageError) {
      io.stderr(`oauth-store: ${error.message.replace(/^oauth-store: /, '')}\n`);
      return 2;
    }
    if (isOAuthStoreError(error)) {
      io.stderr(`oauth-store: ${error.message}\n`);
      return 1;
    }
    const message = String((error as { message?: unknown })?.message ?? error);
    io.stderr(`oauth-store: ${message.split('\n')[0]}\n`);
    return 1;
  }
}
