import { describe, expect, it } from 'vitest';
import {
  matchesLabelMap,
  matchesLabelSelector,
} from '../../../../analysis/reachability/label-selector.js';

describe('matchesLabelSelector', () => {
  const pod = { app: 'consumer', tier: 'backend' };

  it('an empty selector selects everything', () => {
    expect(matchesLabelSelector({}, pod)).toBe(true);
    expect(matchesLabelSelector({}, {})).toBe(true);
  });

  it('matchLabels and matchExpressions must all hold', () => {
    expect(
      matchesLabelSelector(
        {
          matchLabels: { app: 'consumer' },
          matchExpressions: [
            { key: 'tier', operator: 'In', values: ['backend', 'batch'] },
            { key: 'debug', operator: 'DoesNotExist' },
            { key: 'app', operator: 'Exists' },
            { key: 'tier', operator: 'NotIn', values: ['frontend'] },
          ],
        },
        pod,
      ),
    ).toBe(true);
  });

  it('fails when one expression does not hold', () => {
    expect(matchesLabelSelector({ matchLabels: { app: 'embedder' } }, pod)).toBe(false);
    expect(
      matchesLabelSelector(
        { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['backend'] }] },
        pod,
      ),
    ).toBe(false);
    expect(
      matchesLabelSelector(
        { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
        pod,
      ),
    ).toBe(false);
    expect(
      matchesLabelSelector({ matchExpressions: [{ key: 'app', operator: 'Bogus' }] }, pod),
    ).toBe(false);
  });

  it('a plain label map selects supersets only', () => {
    expect(matchesLabelMap({ app: 'consumer' }, pod)).toBe(true);
    expect(matchesLabelMap({ app: 'consumer', zone: 'a' }, pod)).toBe(false);
  });
});
