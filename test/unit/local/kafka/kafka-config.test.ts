import { describe, expect, it } from 'vitest';
import {
  kafkaLog4j2Properties,
  kafkaNodes,
  kafkaServerProperties,
  newClusterId,
  quorumVoters,
} from '../../../../local/kafka/kafka-config.js';

function parse(properties: string): Record<string, string> {
  return Object.fromEntries(
    properties
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

function nodeAt<T>(nodes: readonly T[], index: number): T {
  const node = nodes[index];
  if (node === undefined) throw new Error(`no node ${index}`);
  return node;
}

describe('kafka config', () => {
  it('lays out one port pair per node', () => {
    const nodes = kafkaNodes({ nodes: 3, brokerBasePort: 19092, controllerBasePort: 19192 });
    expect(nodes).toEqual([
      { nodeId: 0, brokerPort: 19092, controllerPort: 19192 },
      { nodeId: 1, brokerPort: 19093, controllerPort: 19193 },
      { nodeId: 2, brokerPort: 19094, controllerPort: 19194 },
    ]);
    expect(quorumVoters(nodes)).toBe('0@127.0.0.1:19192,1@127.0.0.1:19193,2@127.0.0.1:19194');
  });

  it('fails when ports overlap, leave the port range, or the node count is off', () => {
    expect(() =>
      kafkaNodes({ nodes: 3, brokerBasePort: 19092, controllerBasePort: 19093 }),
    ).toThrow(/overlap controller ports/);
    expect(() =>
      kafkaNodes({ nodes: 3, brokerBasePort: 65_534, controllerBasePort: 19192 }),
    ).toThrow('Kafka port 65536 is outside 1–65535; choose lower base ports');
    expect(() => kafkaNodes({ nodes: 0, brokerBasePort: 1, controllerBasePort: 2 })).toThrow(
      'Kafka node count must be an integer from 1 to 9, got 0',
    );
  });

  it('writes a single-node KRaft combined config bound to 127.0.0.1', () => {
    const nodes = kafkaNodes({ nodes: 1, brokerBasePort: 19092, controllerBasePort: 19192 });
    const props = parse(kafkaServerProperties(nodeAt(nodes, 0), nodes, '/run/kafka/node-0/data'));
    expect(props).toMatchObject({
      'process.roles': 'broker,controller',
      'node.id': '0',
      'controller.quorum.voters': '0@127.0.0.1:19192',
      listeners: 'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19192',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:19092',
      'log.dirs': '/run/kafka/node-0/data',
      'offsets.topic.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'min.insync.replicas': '1',
    });
  });

  it('sizes internal topics for a 3-node quorum', () => {
    const nodes = kafkaNodes({ nodes: 3, brokerBasePort: 29092, controllerBasePort: 29192 });
    const props = parse(kafkaServerProperties(nodeAt(nodes, 2), nodes, '/d'));
    expect(props['node.id']).toBe('2');
    expect(props.listeners).toBe('PLAINTEXT://127.0.0.1:29094,CONTROLLER://127.0.0.1:29194');
    expect(props['controller.quorum.voters']).toBe(
      '0@127.0.0.1:29192,1@127.0.0.1:29193,2@127.0.0.1:29194',
    );
    expect(props['offsets.topic.replication.factor']).toBe('3');
    expect(props['default.replication.factor']).toBe('3');
    expect(props['min.insync.replicas']).toBe('2');
  });

  it('logs to one rolling file', () => {
    const text = kafkaLog4j2Properties('/run/logs/kafka-0.log');
    expect(text).toContain('appender.file.fileName = /run/logs/kafka-0.log');
    expect(text).toContain('rootLogger.appenderRef.file.ref = file');
  });

  it('makes 22-character base64url cluster ids', () => {
    const id = newClusterId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(newClusterId()).not.toBe(id);
  });

  it('fails when a cluster id starts with "-" (kafka-storage format reads it as an option)', () => {
    // 1 in 64 ids did: 2,000 of them include one with near certainty (1 - (63/64)^2000)
    const ids = Array.from({ length: 2_000 }, () => newClusterId());
    expect(ids.filter((id) => id.startsWith('-'))).toEqual([]);
  });
});
