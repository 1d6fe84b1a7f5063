import { describe, expect, it } from 'vitest';
import { renderStack } from '../../../../constructs/render/render-stack.js';
import { getStack, stackNames } from '../../../../stacks/stack-registry.js';
import { validateManifest } from '../../../helpers/manifest-schemas.js';

// Rendered objects, read loosely: each assertion names the fields it needs.
// biome-ignore lint/suspicious/noExplicitAny: rendered JSON
type Obj = { kind: string; metadata: { name: string; namespace?: string }; spec: any };

describe.each(stackNames)('stack %s: disruption, spread and resources', (stack) => {
  const objects = renderStack(getStack(stack)).objects as unknown as Obj[];
  const find = (kind: string, name: string) => {
    const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (found === undefined) throw new Error(`no ${kind} ${name}`);
    return found;
  };

  it('has a PodDisruptionBudget per workload: one pod at a time for embedder and consumer, none for Chroma', {
    timeout: 30_000,
  }, () => {
    const budgets = objects.filter((o) => o.kind === 'PodDisruptionBudget');
    expect(budgets.map((b) => b.metadata.name).sort()).toEqual(['chroma', 'consumer', 'embedder']);
    for (const name of ['embedder', 'consumer']) {
      expect(find('PodDisruptionBudget', name).spec).toEqual({
        maxUnavailable: 1,
        selector: { matchLabels: { 'app.kubernetes.io/name': name } },
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      });
    }
    expect(find('PodDisruptionBudget', 'chroma').spec).toMatchObject({
      minAvailable: 1,
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
    // Each budget selects exactly its workload's pods.
    for (const budget of budgets) {
      const workload = objects.find(
        (o) =>
          ['Deployment', 'StatefulSet'].includes(o.kind) &&
          o.metadata.name === budget.metadata.name,
      );
      expect(workload?.spec.template.metadata.labels).toMatchObject(
        budget.spec.selector.matchLabels,
      );
    }
    for (const o of budgets) expect(validateManifest(o as never)).toEqual([]);
  });

  it('spreads the replicated workloads across zones and nodes', () => {
    for (const name of ['embedder', 'consumer']) {
      const constraints = find('Deployment', name).spec.template.spec.topologySpreadConstraints;
      expect(constraints.map((c: { topologyKey: string }) => c.topologyKey)).toEqual([
        'topology.kubernetes.io/zone',
        'kubernetes.io/hostname',
      ]);
      for (const c of constraints) {
        expect(c).toMatchObject({
          maxSkew: 1,
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: { 'app.kubernetes.io/name': name } },
          matchLabelKeys: ['pod-template-hash'],
        });
      }
    }
  });

  it('sets requests and a memory limit on every container, Kafka node and Entity Operator', () => {
    const containers = objects
      .filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind))
      .flatMap((o) => o.spec.template.spec.containers);
    expect(containers.length).toBeGreaterThan(0);
    for (const c of containers) {
      expect(c.resources.requests.cpu).toBeDefined();
      expect(c.resources.requests.memory).toBeDefined();
      expect(c.resources.limits.memory).toBeDefined();
    }
    const kafka = find('Kafka', 'meshrag').spec;
    const strimzi = [
      ...objects.filter((o) => o.kind === 'KafkaNodePool').map((o) => o.spec.resources),
      kafka.entityOperator.topicOperator.resources,
      kafka.entityOperator.userOperator.resources,
    ];
    for (const r of strimzi) {
      expect(r.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
      expect(r.limits.memory).toEqual(expect.any(String));
    }
  });

  it('makes Kafka rack-aware exactly where the stack spans zones', () => {
    const rack = find('Kafka', 'meshrag').spec.kafka.rack;
    const nodesEgress = find('NetworkPolicy', 'meshrag-kafka-nodes-egress').spec.egress;
    if (stack === 'dev') {
      expect(rack).toBeUndefined();
      expect(nodesEgress).toHaveLength(1);
    } else {
      expect(rack).toEqual({ topologyKey: 'topology.kubernetes.io/zone' });
      // Strimzi's init container reads the node's zone from the API server.
      expect(nodesEgress[1].ports.map((p: { port: number }) => p.port)).toEqual([443, 6443]);
    }
  });
});
