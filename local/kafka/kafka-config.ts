/**
 * Configuration of the local Kafka nodes: KRaft combined mode (each node is broker and
 * controller), bound to 127.0.0.1, with the internal topics' replication sized to the cluster.
 * Pure functions, so the files `local up` writes are unit-tested.
 * @see https://kafka.apache.org/documentation/#kraft_config
 */
import { randomBytes } from 'node:crypto';
import { RecordSizeBudget } from '../../app/common/record-size-budget.js';

export interface KafkaClusterLayout {
  /** Number of nodes, each a broker and a controller (a voter in the quorum). */
  readonly nodes: number;
  /** Client listener port of node i is `brokerBasePort + i`. */
  readonly brokerBasePort: number;
  /** Controller listener port of node i is `controllerBasePort + i`. */
  readonly controllerBasePort: number;
}

export interface KafkaNodeLayout {
  readonly nodeId: number;
  readonly brokerPort: number;
  readonly controllerPort: number;
}

/**
 * The ports of every node.
 * @throws Error when the node count is not 1–9 or port ranges overlap or leave 1–65535
 */
export function kafkaNodes(layout: KafkaClusterLayout): KafkaNodeLayout[] {
  const { nodes, brokerBasePort, controllerBasePort } = layout;
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 9) {
    throw new Error(`Kafka node count must be an integer from 1 to 9, got ${nodes}`);
  }
  const brokers = range(brokerBasePort, nodes);
  const controllers = range(controllerBasePort, nodes);
  for (const port of [...brokers, ...controllers]) {
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new Error(`Kafka port ${port} is outside 1–65535; choose lower base ports`);
    }
  }
  if (brokers.some((port) => controllers.includes(port))) {
    throw new Error(
      `Kafka broker ports ${brokers.join(',')} overlap controller ports ${controllers.join(',')}; ` +
        'choose base ports at least the node count apart',
    );
  }
  return brokers.map((brokerPort, nodeId) => ({
    nodeId,
    brokerPort,
    controllerPort: controllers[nodeId] ?? 0,
  }));
}

function range(start: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start + i);
}

/** `0@127.0.0.1:19192,1@127.0.0.1:19193,...` */
export function quorumVoters(nodes: readonly KafkaNodeLayout[]): string {
  return nodes.map((n) => `${n.nodeId}@127.0.0.1:${n.controllerPort}`).join(',');
}

/** `server.properties` for one node. */
export function kafkaServerProperties(
  node: KafkaNodeLayout,
  allNodes: readonly KafkaNodeLayout[],
  logDir: string,
): string {
  const size = allNodes.length;
  const replication = Math.min(3, size);
  const minIsr = Math.min(2, size);
  const properties: Record<string, string | number> = {
    'process.roles': 'broker,controller',
    'node.id': node.nodeId,
    'controller.quorum.voters': quorumVoters(allNodes),
    listeners: `PLAINTEXT://127.0.0.1:${node.brokerPort},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${node.brokerPort}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': logDir,
    'num.partitions': 1,
    'default.replication.factor': replication,
    'min.insync.replicas': minIsr,
    // Fewer internal partitions than the default 50: they load faster on a laptop.
    'offsets.topic.num.partitions': 10,
    'offsets.topic.replication.factor': replication,
    'transaction.state.log.num.partitions': 10,
    'transaction.state.log.replication.factor': replication,
    'transaction.state.log.min.isr': minIsr,
    'share.coordinator.state.topic.replication.factor': replication,
    'share.coordinator.state.topic.min.isr': minIsr,
    // Consumer groups in tests should not wait 3 s for more members before the first assignment.
    'group.initial.rebalance.delay.ms': 0,
    'log.retention.hours': 168,
    'log.segment.bytes': 64 * 1024 * 1024,
    // The default for topics made without their own limit; the lifecycle topics carry theirs
    // (ensureTopics), and replicas must fetch the biggest of them (the DLQ's).
    'message.max.bytes': RecordSizeBudget.maxMessageBytes,
    'replica.fetch.max.bytes': RecordSizeBudget.dlqMaxMessageBytes,
  };
  return `${Object.entries(properties)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

/** log4j2 configuration writing the node's log to one file, rolled at 50 MB. */
export function kafkaLog4j2Properties(logFile: string): string {
  return `${[
    'status = warn',
    'appender.file.type = RollingFile',
    'appender.file.name = file',
    `appender.file.fileName = ${logFile}`,
    `appender.file.filePattern = ${logFile}.%i`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'appender.file.policies.type = Policies',
    'appender.file.policies.size.type = SizeBasedTriggeringPolicy',
    'appender.file.policies.size.size = 50MB',
    'appender.file.strategy.type = DefaultRolloverStrategy',
    'appender.file.strategy.max = 3',
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.file.ref = file',
    'logger.state.name = state.change.logger',
    'logger.state.level = WARN',
  ].join('\n')}\n`;
}

/**
 * A Kafka cluster id: 16 random bytes, base64url, as `kafka-storage random-uuid` prints. Like
 * Kafka's own `Uuid.randomUuid()`, never one starting with `-`: `kafka-storage format -t <id>`
 * reads that as an option and fails ("expected one argument"), about one start in 64.
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
