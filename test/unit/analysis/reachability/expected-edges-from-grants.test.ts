import { describe, expect, it } from 'vitest';
import { analyzeReachability } from '../../../../analysis/reachability/analyze-reachability.js';
import { diffEdges, edgeCovers } from '../../../../analysis/reachability/diff-edges.js';
import { expectedEdgesFromGrants } from '../../../../analysis/reachability/expected-edges-from-grants.js';
import {
  edgeKey,
  type ReachabilityEdge,
} from '../../../../analysis/reachability/reachability-edge.js';
import type { GrantRecord } from '../../../../constructs/grants/grant-record.js';
import { kafka, principal } from './manifest-fixtures.js';

const CONSUMER = principal('app', 'consumer');
const model = analyzeReachability(kafka('kafka', 'events')).model;

describe('expectedEdgesFromGrants', () => {
  it('turns an http grant into one edge per method and path of each operation, never crossing operations', () => {
    const grant: GrantRecord = {
      kind: 'http',
      grantee: CONSUMER,
      target: { namespace: 'app', workload: 'embedder', port: 8080 },
      operations: [
        { methods: ['POST'], paths: ['/embed', '/v1/embeddings'] },
        { methods: ['GET'], paths: ['/info'] },
      ],
    };
    expect(expectedEdgesFromGrants([grant], model).map(edgeKey)).toEqual([
      `${CONSUMER} -> app/embedder:8080 http GET /info`,
      `${CONSUMER} -> app/embedder:8080 http POST /embed`,
      `${CONSUMER} -> app/embedder:8080 http POST /v1/embeddings`,
    ]);
  });

  it('turns a kafka grant into topic operations (with implied Describe), group Read and the TLS listener connection', () => {
    const grant: GrantRecord = {
      kind: 'kafka',
      grantee: CONSUMER,
      kafkaUser: 'consumer',
      cluster: 'events',
      topic: 'documents.parsed',
      operations: ['Read'],
      group: 'ingest',
    };
    expect(expectedEdgesFromGrants([grant], model).map(edgeKey)).toEqual([
      `${CONSUMER} -> kafka/events-brokers:9093 tcp`,
      `${CONSUMER} -> kafka:kafka/events group:ingest Describe`,
      `${CONSUMER} -> kafka:kafka/events group:ingest Read`,
      `${CONSUMER} -> kafka:kafka/events topic:documents.parsed Describe`,
      `${CONSUMER} -> kafka:kafka/events topic:documents.parsed Read`,
    ]);
  });

  it('fails when a kafka grant names a cluster the manifests do not hold', () => {
    const grant: GrantRecord = {
      kind: 'kafka',
      grantee: CONSUMER,
      kafkaUser: 'c',
      cluster: 'nope',
      topic: 't',
      operations: ['Read'],
    };
    expect(() => expectedEdgesFromGrants([grant], model)).toThrow(/cluster 'nope'.*0 times/);
  });
});

describe('diffEdges', () => {
  const target = { namespace: 'app', workload: 'embedder', port: 8080 };
  const http = (method: string, path: string): ReachabilityEdge => ({
    kind: 'http',
    source: { kind: 'identity', principal: CONSUMER },
    target,
    method,
    path,
  });

  it('is empty when the edges are the same', () => {
    expect(diffEdges([http('POST', '/embed')], [http('POST', '/embed')])).toEqual({
      missing: [],
      extra: [],
    });
  });

  it('fails when reach is wider than granted: a * * edge covers the grant but is itself extra', () => {
    const diff = diffEdges([http('*', '*')], [http('POST', '/embed')]);
    expect(diff.missing).toEqual([]);
    expect(diff.extra.map(edgeKey)).toEqual([`${CONSUMER} -> app/embedder:8080 http * *`]);
  });

  it('fails when a granted edge is not reachable', () => {
    expect(diffEdges([], [http('POST', '/embed')]).missing).toHaveLength(1);
  });

  it('a path pattern covers the paths it matches, not the other way round', () => {
    expect(edgeCovers(http('GET', '/api/v2/*'), http('GET', '/api/v2/heartbeat'))).toBe(true);
    expect(edgeCovers(http('GET', '/api/v2/heartbeat'), http('GET', '/api/v2/*'))).toBe(false);
    expect(edgeCovers(http('GET', '/api/v2/*'), http('POST', '/api/v2/x'))).toBe(false);
  });
});
