import { parseCommand, requiredFlag, stringFlag } from '../args';
import { collectionList } from '../collections';
import { parseStoreUrl } from '../connection-string';
import { migrate, migrationIdentity } from '../migrate';
import { UsageError } from '../usage-error';
import type { CommandIo } from './io';
import { withStore } from './with-store';

/** Help text of `oauth-store migrate`. */
export const MIGRATE_HELP = `Usage: oauth-store migrate --from URL --to URL [--collections a,b] [--progress-file FILE] [--json]

Copies every entry of the named collections from one store to another (any two backends), byte for byte, so
encrypted records stay encrypted under the same keys. Resumable: after each page the position is saved in the
progress file; run the same command again to continue. At the end it counts both sides of each collection.

TTL: every record keeps its exact absolute expiry (to the millisecond; records without one stay without one),
encrypted or not: the source reports it with each record. Records that expire during the copy are not copied.

Options:
  --from URL            source store (forms: oauth-store --help)
  --to URL              target store
  --collections a,b     collections to copy (default: those ClientStore and TransactionStore use)
  --progress-file FILE  where the resume point is kept (default ./oauth-store-migrate.progress.json)
  --json                print the result as JSON
`;

/** `oauth-store migrate`. */
export async function migrateCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand('migrate', args, {
    from: { type: 'string' },
    to: { type: 'string' },
    collections: { type: 'string' },
    'progress-file': { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    io.stdout(MIGRATE_HELP);
    return 0;
  }
  if (positionals.length) throw new UsageError('migrate: takes no positional arguments; use --from URL --to URL.');
  const from = requiredFlag('migrate', 'from', values.from, '--from redis://127.0.0.1:6379 --to postgres://db/app');
  const to = requiredFlag('migrate', 'to', values.to, '--from redis://127.0.0.1:6379 --to postgres://db/app');
  // Both schemes are checked before either store is opened (each adapter checks the rest of its string on open).
  parseStoreUrl(from);
  parseStoreUrl(to);
  if (from === to) throw new UsageError('migrate: --from and --to name the same store.');
  const collections = collectionList(stringFlag(values.collections));
  if (collections.length === 0) throw new UsageError('migrate: --collections is empty.');
  const progressFile = stringFlag(values['progress-file']) ?? 'oauth-store-migrate.progress.json';
  const result = await withStore(from, (source) =>
    withStore(to, (target) =>
      migrate(source, target, {
        collections,
        progressFile,
        identity: migrationIdentity(from, to, collections),
        signal: io.signal,
        onProgress: ({ collection, done, total }) => io.status.bar(collection, done, total),
      }),
    ),
  );
  io.status.done();
  if (values.json) {
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const lines = result.collections.map(
      (c) =>
        `${c.collection}: ${c.copied} copied of ${c.sourceEntries}${c.expired ? `, ${c.expired} expired` : ''}${c.vanished ? `, ${c.vanished} vanished` : ''}; target now holds ${c.targetEntries}`,
    );
    lines.push(
      result.verified
        ? 'Verified: every target collection holds at least what was copied.'
        : 'NOT verified: a target collection holds fewer entries than were copied (expired meanwhile, or written to by someone else). Run again, then check with `oauth-store inspect`.',
    );
    io.stdout(`${lines.join('\n')}\n`);
  }
  return result.verified ? 0 : 1;
}
