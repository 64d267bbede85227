/** The figures of the listing/migration heap run (scale.ts), apart from the code that measures them. */

/** Peak of one phase. */
export interface PhasePeak {
  /** Heap in use when the phase started (after a full garbage collection), bytes. */
  readonly startBytes: number;
  /**
   * Highest heap in use the sampler saw during the phase, bytes: garbage not yet collected included, so it depends on
   * when V8 chooses to collect (the same code gave +15 to +48 MiB over three runs).
   */
  readonly peakBytes: number;
  /**
   * Highest heap in use right after a forced full collection, sampled during the phase and at its end, bytes: what the
   * phase holds on to. A phase that kept every client would show it here.
   */
  readonly retainedPeakBytes: number;
  /** Wall time of the phase, seconds. */
  readonly seconds: number;
}

/** One size of the scale run. */
export interface ScaleSize {
  readonly clients: number;
  /** Clients `listClients` returned over all pages (must equal `clients`). */
  readonly listed: number;
  /** Entries `migrate` copied (must equal `clients`). */
  readonly migrated: number;
  readonly list: PhasePeak;
  readonly migrate: PhasePeak;
}

/** What the scale run measured: a small size and the full size. */
export interface ScaleResult {
  readonly small: ScaleSize;
  readonly full: ScaleSize;
  /** Page size of listing and migration. */
  readonly pageSize: number;
}

/** Heap growth of a phase above its start, bytes (garbage awaiting collection included). */
export function growth(phase: PhasePeak): number {
  return Math.max(0, phase.peakBytes - phase.startBytes);
}

/** Retained heap growth of a phase above its start, bytes (what a full collection could not free). */
export function retainedGrowth(phase: PhasePeak): number {
  return Math.max(0, phase.retainedPeakBytes - phase.startBytes);
}
