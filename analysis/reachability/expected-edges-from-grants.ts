/**
 * How each declared grant should show up as edges, so the analysis can be held to "the edges
 * are the grants, nothing more and nothing less".
 */
import type { GrantRecord } from '../../constructs/grants/grant-record.js';
import { withImpliedOperations } from './kafka-acl-evaluator.js';
import { identitySource, type ReachabilityEdge, sortEdges } from './reachability-edge.js';
import type { ReachabilityModel } from './reachability-model.js';

/**
 * Expected edges: an http grant gives one edge per method and path; a tcp grant one edge; a
 * kafka grant its topic operations (with the operations Kafka implies, such as Describe for
 * Read), Read on its consumer group, and a connection to every broker pool on each listener
 * that authenticates with TLS. The model (read from the same manifests) resolves a Kafka
 * cluster's name to its namespace, broker pools and listeners.
 */
export function expectedEdgesFromGrants(
  grants: readonly GrantRecord[],
  model: Pick<ReachabilityModel, 'kafkaClusters'>,
): ReachabilityEdge[] {
  const edges: ReachabilityEdge[] = [];
  for (const grant of grants) {
    const source = identitySource(grant.grantee);
    switch (grant.kind) {
      case 'http':
        for (const operation of grant.operations) {
          for (const method of operation.methods) {
            for (const path of operation.paths) {
              edges.push({ kind: 'http', source, target: grant.target, method, path });
            }
          }
        }
        break;
      case 'tcp':
        edges.push({ kind: 'tcp', source, target: grant.target });
        break;
      case 'kafka': {
        const clusters = model.kafkaClusters.filter((c) => c.name === grant.cluster);
        if (clusters.length !== 1) {
          throw new Error(
            `kafka grant for ${grant.grantee} names cluster '${grant.cluster}', which the manifests hold ${clusters.length} times; expected exactly once`,
          );
        }
        const [cluster] = clusters;
        if (cluster === undefined) break;
        const clusterRef = `${cluster.namespace}/${cluster.name}`;
        for (const operation of withImpliedOperations(grant.operations, 'topic')) {
          edges.push({
            kind: 'kafka',
            source,
            cluster: clusterRef,
            resourceType: 'topic',
            resource: grant.topic,
            operation,
          });
        }
        if (grant.group !== undefined) {
          for (const operation of withImpliedOperations(
            grant.groupOperations ?? ['Read'],
            'group',
          )) {
            edges.push({
              kind: 'kafka',
              source,
              cluster: clusterRef,
              resourceType: 'group',
              resource: grant.group,
              operation,
            });
          }
        }
        for (const listener of cluster.listeners.filter((l) => l.authentication === 'tls')) {
          for (const workload of cluster.brokerWorkloads) {
            edges.push({
              kind: 'tcp',
              source,
              target: { namespace: cluster.namespace, workload, port: listener.port },
            });
          }
        }
        break;
      }
    }
  }
  return sortEdges(edges);
}
