import { describe, expect, it } from 'vitest';
import { istioStringMatch } from '../../../../analysis/reachability/istio-string-match.js';

describe('istioStringMatch', () => {
  it('matches exact, prefix, suffix and presence patterns', () => {
    expect(istioStringMatch('/embed', '/embed')).toBe(true);
    expect(istioStringMatch('/api/v2/*', '/api/v2/collections')).toBe(true);
    expect(istioStringMatch('*.json', '/a/b.json')).toBe(true);
    expect(istioStringMatch('*', 'anything')).toBe(true);
  });

  it('fails when the value differs, is empty for presence, or is missing (plaintext principal)', () => {
    expect(istioStringMatch('/embed', '/embed/')).toBe(false);
    expect(istioStringMatch('/api/v2/*', '/api/v1/x')).toBe(false);
    expect(istioStringMatch('*.json', '/a/b.yaml')).toBe(false);
    expect(istioStringMatch('*', '')).toBe(false);
    expect(istioStringMatch('*', null)).toBe(false);
  });
});
