/** A settable clock shared by a MemoryStore and a resolver, so cache expiry is tested without waiting. */
export function manualClock(start = Date.parse('2026-12-07T12:00:00Z')) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}
