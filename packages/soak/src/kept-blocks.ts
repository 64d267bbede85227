/**
 * Marked blocks of docs/reliability.md that other tools write (`pnpm stress:contract` writes the contract-under-load
 * results between `<!-- contract-stress:begin ... -->` and `<!-- contract-stress:end -->`). The soak regenerates the
 * whole file, so it carries every such block of the previous file over, unchanged, to the end of the new one.
 */
const BLOCK = /<!-- ([a-z][a-z0-9-]*):begin\b[^>]*-->[\s\S]*?<!-- \1:end -->/g;

/** `next` followed by every marked block of `previous` (in their order), or `next` alone when there are none. */
export function keepMarkedBlocks(previous: string | undefined, next: string): string {
  const blocks = previous?.match(BLOCK) ?? [];
  if (blocks.length === 0) return next;
  return `${next.trimEnd()}\n\n${blocks.join('\n\n')}\n`;
}
