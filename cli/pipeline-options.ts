/**
 * Where the pipeline commands (`ingest`, `query`, `dlq`, `stats`) find Kafka, Chroma and the
 * embedder: flags, then `MESHRAG_*` variables, then the addresses `meshrag local up` uses.
 */
import { type Command, Option } from 'commander';
import { DEFAULT_LOCAL_PORTS } from '../local/local-services.js';
import { DEFAULT_PIPELINE_PORTS } from '../local/pipeline/pipeline-services.js';

export interface PipelineConnection {
  readonly brokers: string;
  readonly chromaUrl: string;
  readonly embedderUrl: string;
  readonly collection: string;
  readonly groupId: string;
}

export function withPipelineOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--brokers <list>', 'Kafka bootstrap servers, comma-separated')
        .env('MESHRAG_KAFKA_BROKERS')
        .default(`127.0.0.1:${DEFAULT_LOCAL_PORTS.kafka}`),
    )
    .addOption(
      new Option('--chroma-url <url>', 'Chroma base URL')
        .env('MESHRAG_CHROMA_URL')
        .default(`http://127.0.0.1:${DEFAULT_LOCAL_PORTS.chroma}`),
    )
    .addOption(
      new Option('--embedder-url <url>', 'embedder base URL (TEI API)')
        .env('MESHRAG_EMBEDDER_URL')
        .default(`http://127.0.0.1:${DEFAULT_PIPELINE_PORTS.embedder}`),
    )
    .addOption(
      new Option('--collection <name>', 'Chroma collection the consumer writes')
        .env('MESHRAG_COLLECTION')
        .default('meshrag'),
    )
    .addOption(
      new Option('--group-id <id>', "the consumer's Kafka group")
        .env('MESHRAG_GROUP_ID')
        .default('meshrag-ingest'),
    );
}

export function brokersOf(connection: Pick<PipelineConnection, 'brokers'>): string[] {
  return connection.brokers
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}
