/** Header values the freshness rules read. */
export interface CacheHeaders {
  cacheControl?: string | undefined;
  expires?: string | undefined;
  date?: string | undefined;
}

/** How long a fetched document may be served without asking its host again. */
export type Freshness = { store: false } | { store: true; freshMs: number };

/** Bounds applied to what the document host asks for. */
export interface FreshnessBounds {
  minMs: number;
  maxMs: number;
  /** Used when the response has neither Cache-Control max-age nor Expires. */
  defaultMs: number;
}

function directives(cacheControl: string): Map<string, string | undefined> {
  const map = new Map<string, string | undefined>();
  for (const part of cacheControl.split(',')) {
    const [name = '', ...rest] = part.trim().split('=');
    if (!name) continue;
    const value = rest.length
      ? rest
          .join('=')
          .trim()
          .replace(/^"(.*)"$/, '$1')
      : undefined;
    map.set(name.toLowerCase(), value);
  }
  return map;
}

/**
 * Freshness of a response per RFC 9111 as a shared cache reads it: `no-store` is never stored; `s-maxage` wins over
 * `max-age`; `no-cache` counts as 0; otherwise `Expires` minus `Date` (an unparsable Expires means already expired).
 * The result is clamped to the bounds: a host asking for 0 s still gets `minMs` (it cannot make every login refetch),
 * one asking for a year gets `maxMs`.
 */
export function freshnessOf(headers: CacheHeaders, bounds: FreshnessBounds, now: number): Freshness {
  const clamp = (ms: number) => Math.min(bounds.maxMs, Math.max(bounds.minMs, ms));
  const cc = headers.cacheControl ? directives(headers.cacheControl) : new Map<string, string | undefined>();
  if (cc.has('no-store')) return { store: false };
  if (cc.has('no-cache')) return { store: true, freshMs: clamp(0) };
  for (const name of ['s-maxage', 'max-age']) {
    const value = cc.get(name);
    if (value !== undefined && /^\d+$/.test(value)) return { store: true, freshMs: clamp(Number(value) * 1000) };
  }
  if (headers.expires !== undefined) {
    const expires = Date.parse(headers.expires);
    if (Number.isNaN(expires)) return { store: true, freshMs: clamp(0) };
    const date = headers.date !== undefined ? Date.parse(headers.date) : Number.NaN;
    return { store: true, freshMs: clamp(expires - (Number.isNaN(date) ? now : date)) };
  }
  return { store: true, freshMs: clamp(bounds.defaultMs) };
}
