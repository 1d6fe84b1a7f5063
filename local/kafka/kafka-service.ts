/**
 * Service definitions for the local Kafka cluster: one JVM per node, KRaft combined mode,
 * storage formatted on first start. Ready when a node's metadata lists every broker.
 */
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CachePaths } from '../cache-paths.js';
import type { Reporter } from '../reporter.js';
import { runCommand } from '../run-command.js';
import type { ServiceDefinition } from '../supervisor/service-definition.js';
import {
  type KafkaClusterLayout,
  type KafkaNodeLayout,
  kafkaLog4j2Properties,
  kafkaNodes,
  kafkaServerProperties,
  newClusterId,
} from './kafka-config.js';

export interface KafkaServiceOptions {
  readonly paths: CachePaths;
  /** Folder of the verified Kafka jars (`ensureKafkaJars`). */
  readonly jarDir: string;
  readonly layout: KafkaClusterLayout;
  readonly reporter: Reporter;
  /**
   * Maximum Java heap of each node.
   * @default 512
   */
  readonly heapMiB?: number;
  /**
   * The `java` executable.
   * @default - `$JAVA_HOME/bin/java` when JAVA_HOME is set, else `java`
   */
  readonly java?: string;
}

/** `kafka-0`, `kafka-1`, ... */
export function kafkaServiceName(nodeId: number): string {
  return `kafka-${nodeId}`;
}

/** The node directories and the formatted-for layout live under `<runDir>/kafka`. */
function kafkaRunDir(paths: CachePaths): string {
  return join(paths.runDir, 'kafka');
}

export function kafkaServiceDefinitions(options: KafkaServiceOptions): ServiceDefinition[] {
  const nodes = kafkaNodes(options.layout);
  const java =
    options.java ?? (process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java');
  const heapMiB = options.heapMiB ?? 512;
  const prepareCluster = once(() => prepareStorage(options, nodes, java));
  return nodes.map((node) => {
    const nodeDir = join(kafkaRunDir(options.paths), `node-${node.nodeId}`);
    const name = kafkaServiceName(node.nodeId);
    const logFile = join(options.paths.logDir, `${name}.log`);
    return {
      name,
      ports: { kafka: node.brokerPort, controller: node.controllerPort },
      endpoint: `127.0.0.1:${node.brokerPort}`,
      prepare: async () => {
        await prepareCluster();
        await mkdir(options.paths.logDir, { recursive: true });
        await writeFile(join(nodeDir, 'log4j2.properties'), kafkaLog4j2Properties(logFile));
      },
      command: java,
      args: [
        `-Xms${Math.min(256, heapMiB)}m`,
        `-Xmx${heapMiB}m`,
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${join(nodeDir, 'log4j2.properties')}`,
        `-Dkafka.logs.dir=${options.paths.logDir}`,
        '-cp',
        `${options.jarDir}/*`,
        'kafka.Kafka',
        join(nodeDir, 'server.properties'),
      ],
      health: {
        kind: 'kafka',
        bootstrap: `127.0.0.1:${node.brokerPort}`,
        expectedBrokers: nodes.length,
      },
      logFile,
      startTimeoutMs: 120_000,
      stopTimeoutMs: 20_000,
    } satisfies ServiceDefinition;
  });
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () => {
    pending ??= fn();
    return pending;
  };
}

/**
 * Writes each node's `server.properties` and formats storage the first time. Storage formatted
 * for another node count is wiped (a quorum's voters cannot change by config alone).
 */
async function prepareStorage(
  options: KafkaServiceOptions,
  nodes: readonly KafkaNodeLayout[],
  java: string,
): Promise<void> {
  const root = kafkaRunDir(options.paths);
  const layoutFile = join(root, 'formatted-for.json');
  const layoutText = JSON.stringify({ nodes: nodes.length });
  const formattedFor = await readFile(layoutFile, 'utf8').catch(() => undefined);
  if (formattedFor !== undefined && formattedFor !== layoutText) {
    options.reporter.warn(
      `Kafka storage in ${root} was formatted for ${formattedFor}; wiping it to format for ` +
        `${nodes.length} node(s) (its topics are lost)`,
    );
    await rm(root, { recursive: true, force: true });
  }
  await mkdir(root, { recursive: true });
  const clusterIdFile = join(root, 'cluster-id');
  let clusterId = (await readFile(clusterIdFile, 'utf8').catch(() => '')).trim();
  if (clusterId === '') {
    clusterId = newClusterId();
    await writeFile(clusterIdFile, `${clusterId}\n`);
  }
  await Promise.all(
    nodes.map(async (node) => {
      const nodeDir = join(root, `node-${node.nodeId}`);
      const dataDir = join(nodeDir, 'data');
      const config = join(nodeDir, 'server.properties');
      await mkdir(dataDir, { recursive: true });
      await writeFile(config, kafkaServerProperties(node, nodes, dataDir));
      const formatted = await access(join(dataDir, 'meta.properties')).then(
        () => true,
        () => false,
      );
      if (formatted) return;
      options.reporter.info(
        `${kafkaServiceName(node.nodeId)}: formatting KRaft storage in ${dataDir}`,
      );
      await runCommand(
        java,
        [
          '-Xmx256m',
          '-cp',
          `${options.jarDir}/*`,
          'kafka.tools.StorageTool',
          'format',
          '-t',
          clusterId,
          '-c',
          config,
          '--ignore-formatted',
        ],
        { purpose: `formatting Kafka storage for ${kafkaServiceName(node.nodeId)}` },
      );
    }),
  );
  await writeFile(layoutFile, layoutText);
}
