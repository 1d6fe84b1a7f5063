import { describe, expect, it } from 'vitest';
import { formatHits } from '../../../../cli/commands/query.js';

describe('formatHits', () => {
  it('prints rank, document, chunk, distance and a one-line snippet', () => {
    const text = formatHits(
      [{ rank: 1, id: 'doc#2', docId: 'doc', chunkIndex: 2, distance: 0.12345, text: 'a\nb   c' }],
      100,
    );
    expect(text).toBe(' 1. doc #2  distance 0.1235\n    a b c');
  });

  it('cuts long snippets with an ellipsis', () => {
    const text = formatHits(
      [{ rank: 1, id: 'd#0', docId: 'd', chunkIndex: 0, distance: 0, text: 'x'.repeat(20) }],
      5,
    );
    expect(text.endsWith('xxxxx…')).toBe(true);
  });

  it('says so when nothing matched', () => {
    expect(formatHits([])).toMatch(/no hits/);
  });
});
