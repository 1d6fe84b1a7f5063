import { describe, expect, it } from 'vitest';
import { formatHits, tenantFilter } from '../../../../cli/commands/query.js';

describe('formatHits', () => {
  it('prints rank, document, chunk, distance and a one-line snippet', () => {
    const text = formatHits(
      [
        {
          rank: 1,
          id: 'doc#2',
          docId: 'doc',
          tenant: 'default',
          chunkIndex: 2,
          distance: 0.12345,
          text: 'a\nb   c',
        },
      ],
      100,
    );
    expect(text).toBe(' 1. doc #2  distance 0.1235\n    a b c');
  });

  it('cuts long snippets with an ellipsis', () => {
    const text = formatHits(
      [
        {
          rank: 1,
          id: 'd#0',
          docId: 'd',
          tenant: 'default',
          chunkIndex: 0,
          distance: 0,
          text: 'x'.repeat(20),
        },
      ],
      5,
    );
    expect(text.endsWith('xxxxx…')).toBe(true);
  });

  it('says so when nothing matched', () => {
    expect(formatHits([])).toMatch(/no hits/);
  });

  it("names a hit's tenant when it is not the default one", () => {
    const text = formatHits([
      {
        rank: 1,
        id: 'd#0@acme',
        docId: 'd',
        tenant: 'acme',
        chunkIndex: 0,
        distance: 0,
        text: 'x',
      },
    ]);
    expect(text.split('\n')[0]).toBe(' 1. d (tenant acme) #0  distance 0.0000');
  });
});

describe('tenantFilter', () => {
  it("keeps to one tenant's chunks by the tenant the consumer records on each", () => {
    expect(tenantFilter('acme')).toEqual({ tenant: { $eq: 'acme' } });
  });
});
