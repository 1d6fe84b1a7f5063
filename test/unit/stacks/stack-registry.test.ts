import { describe, expect, it } from 'vitest';
import { getStack, stackNames, stacks } from '../../../stacks/stack-registry.js';

describe('stack registry', () => {
  it('holds dev, staging and prod, each under its own name', () => {
    expect(stackNames).toEqual(['dev', 'staging', 'prod']);
    for (const name of stackNames) expect(getStack(name).name).toBe(name);
  });

  it('fails when the name is unknown, listing the valid names', () => {
    expect(() => getStack('production')).toThrow(
      "unknown stack 'production': valid stacks are dev, staging, prod",
    );
    expect(() => getStack('toString')).toThrow(/unknown stack 'toString'/);
  });

  it('runs dev as one of everything on CPU with replication 1', () => {
    const dev = getStack('dev');
    expect(dev.kafka.brokers.replicas).toBe(1);
    expect(dev.kafka.controllers.replicas).toBe(1);
    expect(dev.kafka.defaultReplicationFactor).toBe(1);
    expect(dev.embedder).toMatchObject({ accelerator: 'cpu', minReplicas: 1, maxReplicas: 1 });
    expect(dev.consumer.replicas).toBe(1);
    for (const t of Object.values(dev.topics)) expect(t.replicas).toBe(1);
  });

  it('runs prod with 3 brokers, 3 controllers, a GPU embedder and the production topic plan', () => {
    const prod = getStack('prod');
    expect(prod.kafka.brokers.replicas).toBe(3);
    expect(prod.kafka.controllers.replicas).toBe(3);
    expect(prod.kafka).toMatchObject({
      defaultReplicationFactor: 3,
      minInsyncReplicas: 2,
      version: '4.3.1',
    });
    expect(prod.embedder.accelerator).toBe('gpu');
    for (const t of Object.values(prod.topics)) {
      expect(t).toEqual({
        partitions: 12,
        replicas: 3,
        minInsyncReplicas: 2,
        retentionMs: 604_800_000,
      });
    }
  });

  it('puts staging between dev and prod: 3 brokers on CPU with fewer partitions', () => {
    const staging = getStack('staging');
    expect(staging.kafka.brokers.replicas).toBe(3);
    expect(staging.embedder.accelerator).toBe('cpu');
    expect(staging.topics.parsed.partitions).toBeLessThan(
      stacks.prod?.topics.parsed.partitions ?? 0,
    );
  });
});
