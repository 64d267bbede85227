/**
 * The `sharedInstances` hint for a failure whose symptom is data written through one store instance (or process) not
 * being there through another. A correct adapter whose instances each keep their own state (an in-process store such
 * as `MemoryStore`, or one built over a per-instance client) fails exactly this way when the suite assumes, by
 * default, that separate `create()` calls share data; the message says so instead of only reporting a missing value.
 */
export function perInstanceHint(scope: 'instances' | 'processes'): string {
  return scope === 'instances'
    ? ". This is what a store whose instances do not share data looks like (each create() with its own in-process state, such as MemoryStore): if that is the adapter's design, pass sharedInstances: false to the suite; if its instances should share a backend, they don't"
    : ". This is what stores that do not share data across processes look like (each child's store with its own in-process state): if that is the adapter's design, pass sharedInstances: false and no processFactory; if they should share a backend, they don't";
}
