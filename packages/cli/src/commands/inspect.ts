import { parseCommand, stringFlag } from '../args';
import { collectionList } from '../collections';
import { formatInspect, inspectStore } from '../inspect';
import { UsageError } from '../usage-error';
import type { CommandIo } from './io';
import { withStore } from './with-store';

/** Help text of `oauth-store inspect`. */
export const INSPECT_HELP = `Usage: oauth-store inspect <store-url> [--collections a,b] [--json]

Entries and bytes per collection, and for envelope-encrypted entries the key ids they are wrapped under and whether
they expire (read from the clear-text envelope header; nothing is decrypted and no key is needed). Expired entries
are not visible: the store never returns them.

Options:
  --collections a,b   collections to inspect (default: those ClientStore and TransactionStore use)
  --json              print JSON
`;

/** `oauth-store inspect`. */
export async function inspectCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand('inspect', args, {
    collections: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    io.stdout(INSPECT_HELP);
    return 0;
  }
  const [url, extra] = positionals;
  if (!url || extra !== undefined)
    throw new UsageError('inspect: give exactly one store URL, as in `oauth-store inspect redis://127.0.0.1:6379`.');
  const collections = collectionList(stringFlag(values.collections));
  const stats = await withStore(url, (store) =>
    inspectStore(store, collections, {
      signal: io.signal,
      onProgress: (collection, entries) => io.status.update(`${collection}: ${entries} entries`),
    }),
  );
  io.status.done();
  io.stdout(values.json ? `${JSON.stringify(stats, null, 2)}\n` : `${formatInspect(stats)}\n`);
  return 0;
}
