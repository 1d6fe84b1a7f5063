import { describe, expect, it } from 'vitest';
import {
  istioPathMatch,
  istioStringMatch,
} from '../../../../analysis/reachability/istio-string-match.js';

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

describe('istioPathMatch', () => {
  const get = '/api/v2/tenants/t/databases/d/collections/{*}/get';

  it('matches {*} as exactly one path segment and {**} as the rest of the path', () => {
    expect(istioPathMatch(get, '/api/v2/tenants/t/databases/d/collections/8f1c-42/get')).toBe(true);
    expect(istioPathMatch('/files/{**}', '/files/a/b/c.txt')).toBe(true);
    expect(istioPathMatch('/a/{*}/b.c', '/a/x/b.c')).toBe(true);
    // Paths without template operators keep Istio's prefix/suffix/exact matching.
    expect(istioPathMatch('/api/v2/*', '/api/v2/collections')).toBe(true);
  });

  it('fails when {*} would span two segments or none, or a literal around it differs', () => {
    expect(istioPathMatch(get, '/api/v2/tenants/t/databases/d/collections/a/b/get')).toBe(false);
    expect(istioPathMatch(get, '/api/v2/tenants/t/databases/d/collections//get')).toBe(false);
    expect(istioPathMatch(get, '/api/v2/tenants/t/databases/d/collections/x/upsert')).toBe(false);
    // A dot in the template is literal, not a regular-expression wildcard.
    expect(istioPathMatch('/a/{*}/b.c', '/a/x/bxc')).toBe(false);
    expect(istioPathMatch(get, null)).toBe(false);
  });
});
