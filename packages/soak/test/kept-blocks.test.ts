import { describe, expect, it } from '@jest/globals';
import { keepMarkedBlocks } from '../src/kept-blocks';

describe('keepMarkedBlocks', () => {
  const block =
    '<!-- contract-stress:begin (written by pnpm stress:contract) -->\n## Contract\n\n| a |\n<!-- contract-stress:end -->';

  it('carries a marked block of the previous report over to the end of the new one', () => {
    const previous = `# Old report\n\nold table\n\n${block}\n\nold trailing notes\n`;
    const next = keepMarkedBlocks(previous, '# New report\n\nnew table\n');
    expect(next).toBe(`# New report\n\nnew table\n\n${block}\n`);
  });

  it('returns the new report unchanged when there is no previous file or no block', () => {
    expect(keepMarkedBlocks(undefined, '# New\n')).toBe('# New\n');
    expect(keepMarkedBlocks('# Old\n', '# New\n')).toBe('# New\n');
  });

  it('ignores a begin marker without its end marker', () => {
    expect(keepMarkedBlocks('<!-- contract-stress:begin -->\nhalf', '# New\n')).toBe('# New\n');
  });
});
