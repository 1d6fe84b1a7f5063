/**
 * The embedder and the consumer as local services, added on top of Kafka and Chroma by
 * `meshrag local up` (through `additionalServices`) and by the pipeline tests. Both run from
 * sources with tsx, configured through the same environment variables as their images.
 */
import { join } from 'node:path';
import { createKafka, ensureTopics } from '../../app/common/kafka.js';
import { allLifecycleTopics } from '../../app/common/topics.js';
import { REPO_ROOT, resolveCachePaths } from '../cache-paths.js';
import type { LocalServicesContext } from '../local-services.js';
import type { ServiceDefinition } from '../supervisor/service-definition.js';

export const EMBEDDER_SERVICE_NAME = 'embedder';
export const CONSUMER_SERVICE_NAME = 'consumer';

export interface PipelinePorts {
  /**
   * The embedder's HTTP port.
   * @default 18080
   */
  readonly embedder: number;
  /**
   * The consumer's /health and /metrics port.
   * @default 19464
   */
  readonly consumer: number;
}

export const DEFAULT_PIPELINE_PORTS: PipelinePorts = { embedder: 18080, consumer: 19464 };

export interface PipelineServicesOptions {
  /** @default DEFAULT_PIPELINE_PORTS */
  readonly ports?: Partial<PipelinePorts>;
  /**
   * Partitions of each lifecycle topic, when `local up` creates them.
   * @default 3
   */
  readonly partitions?: number;
  /**
   * Extra `MESHRAG_CONSUMER_*` variables (chunk size, group id...).
   * @default - none
   */
  readonly consumerEnv?: Readonly<Record<string, string>>;
}

/** URLs of the pipeline services for a set of ports. */
export function pipelineEndpoints(ports: Partial<PipelinePorts> = {}): {
  readonly embedderUrl: string;
  readonly consumerUrl: string;
} {
  const resolved = { ...DEFAULT_PIPELINE_PORTS, ...ports };
  return {
    embedderUrl: `http://127.0.0.1:${resolved.embedder}`,
    consumerUrl: `http://127.0.0.1:${resolved.consumer}`,
  };
}

/** Definitions for the embedder and the consumer; the consumer starts last. */
export function pipelineServiceDefinitions(
  context: Pick<LocalServicesContext, 'kafkaBrokers' | 'chromaUrl' | 'modelDir'>,
  options: PipelineServicesOptions = {},
): ServiceDefinition[] {
  const ports = { ...DEFAULT_PIPELINE_PORTS, ...options.ports };
  const { embedderUrl, consumerUrl } = pipelineEndpoints(ports);
  const tsx = ['--import', 'tsx'];
  return [
    {
      name: EMBEDDER_SERVICE_NAME,
      ports: { http: ports.embedder },
      endpoint: embedderUrl,
      command: process.execPath,
      args: [...tsx, join(REPO_ROOT, 'app/embedder/src/main.ts')],
      cwd: REPO_ROOT,
      env: {
        MESHRAG_EMBEDDER_HOST: '127.0.0.1',
        MESHRAG_EMBEDDER_PORT: String(ports.embedder),
        MESHRAG_EMBEDDER_MODEL_DIR: context.modelDir,
        // The OpenVINO runtime `meshrag local fetch` copies into the cache; without it the
        // embedder falls back to onnxruntime and says so in its log and /info.
        MESHRAG_EMBEDDER_OPENVINO_LIB_DIR: resolveCachePaths().openvinoLibDir,
      },
      health: { kind: 'http', url: `${embedderUrl}/health` },
      startTimeoutMs: 120_000,
      stopTimeoutMs: 35_000,
    },
    {
      name: CONSUMER_SERVICE_NAME,
      ports: { http: ports.consumer },
      endpoint: consumerUrl,
      dependsOn: ['kafka-0', 'chroma', EMBEDDER_SERVICE_NAME],
      prepare: async () => {
        const admin = createKafka({
          brokers: context.kafkaBrokers,
          clientId: 'meshrag-local',
        }).admin();
        await admin.connect();
        try {
          await ensureTopics(admin, allLifecycleTopics, { numPartitions: options.partitions ?? 3 });
        } finally {
          await admin.disconnect();
        }
      },
      command: process.execPath,
      args: [...tsx, join(REPO_ROOT, 'app/consumer/src/main.ts')],
      cwd: REPO_ROOT,
      env: {
        MESHRAG_CONSUMER_KAFKA_BROKERS: context.kafkaBrokers.join(','),
        MESHRAG_CONSUMER_EMBEDDER_URL: embedderUrl,
        MESHRAG_CONSUMER_CHROMA_URL: context.chromaUrl,
        MESHRAG_CONSUMER_MODEL_DIR: context.modelDir,
        MESHRAG_CONSUMER_HTTP_PORT: String(ports.consumer),
        ...options.consumerEnv,
      },
      health: { kind: 'http', url: `${consumerUrl}/health` },
      startTimeoutMs: 90_000,
      stopTimeoutMs: 40_000,
    },
  ];
}
