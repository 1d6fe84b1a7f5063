/**
 * The single-machine runtime behind `meshrag local`: fetch and verify the downloads, then run
 * Kafka and Chroma (and whatever services a caller adds) under the supervisor.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelFiles } from '../app/common/model-files.js';
import { type CachePaths, type CachePathsOptions, resolveCachePaths } from './cache-paths.js';
import { chromaServiceDefinition } from './chroma/chroma-service.js';
import { kafkaNodes } from './kafka/kafka-config.js';
import { ensureKafkaJars } from './kafka/kafka-jars.js';
import { kafkaServiceDefinitions } from './kafka/kafka-service.js';
import { ensureModel } from './model/model-fetch.js';
import { consoleReporter, type Reporter } from './reporter.js';
import { RUN_LOCK_FILE } from './supervisor/run-lock.js';
import type { ServiceDefinition } from './supervisor/service-definition.js';
import {
  type ServiceStatus,
  type StartOutcome,
  serviceStatuses,
  startServices,
  stopServices,
} from './supervisor/supervisor.js';

export interface LocalPorts {
  /**
   * Client port of Kafka node 0; node i listens on `kafka + i`.
   * @default 19092
   */
  readonly kafka: number;
  /**
   * Controller port of Kafka node 0; node i listens on `kafkaController + i`.
   * @default 19192
   */
  readonly kafkaController: number;
  /**
   * Chroma's HTTP port.
   * @default 18000
   */
  readonly chroma: number;
}

export const DEFAULT_LOCAL_PORTS: LocalPorts = {
  kafka: 19092,
  kafkaController: 19192,
  chroma: 18000,
};

/** Where the core services are, handed to services added on top (the embedder, the consumer). */
export interface LocalServicesContext {
  readonly paths: CachePaths;
  readonly kafkaBrokers: readonly string[];
  readonly chromaUrl: string;
  readonly modelDir: string;
  readonly reporter: Reporter;
}

export interface LocalServicesOptions extends CachePathsOptions {
  /**
   * Kafka nodes, each broker and controller.
   * @default 1
   */
  readonly brokers?: number;
  /** @default DEFAULT_LOCAL_PORTS */
  readonly ports?: Partial<LocalPorts>;
  /** @default - plain lines on stderr */
  readonly reporter?: Reporter;
  /**
   * More services to run after Kafka and Chroma, e.g. the embedder and the consumer. Name
   * `kafka-0` or `chroma` in `dependsOn` to start after them.
   * @default - none
   */
  readonly additionalServices?: (context: LocalServicesContext) => readonly ServiceDefinition[];
  /**
   * Aborting stops the start; services this call started are stopped again.
   * @default - not abortable
   */
  readonly signal?: AbortSignal;
}

export interface LocalServices extends LocalServicesContext {
  readonly outcome: StartOutcome;
}

export interface LocalDownloads {
  readonly paths: CachePaths;
  readonly kafkaJarDir: string;
  readonly model: ModelFiles;
}

/** Fetches (or verifies) the Kafka jars and the model; starts nothing. */
export async function fetchLocalDownloads(
  options: CachePathsOptions & { readonly reporter?: Reporter } = {},
): Promise<LocalDownloads> {
  const paths = resolveCachePaths(options);
  const reporter = options.reporter ?? consoleReporter();
  const kafkaJarDir = await ensureKafkaJars({ paths, reporter });
  const model = await ensureModel({ paths, reporter });
  return { paths, kafkaJarDir, model };
}

/** The service definitions `local up` runs, before any `additionalServices`. */
export function coreServiceDefinitions(args: {
  readonly paths: CachePaths;
  readonly kafkaJarDir: string;
  readonly brokers: number;
  readonly ports: LocalPorts;
  readonly reporter: Reporter;
}): ServiceDefinition[] {
  return [
    ...kafkaServiceDefinitions({
      paths: args.paths,
      jarDir: args.kafkaJarDir,
      layout: {
        nodes: args.brokers,
        brokerBasePort: args.ports.kafka,
        controllerBasePort: args.ports.kafkaController,
      },
      reporter: args.reporter,
    }),
    chromaServiceDefinition({ paths: args.paths, port: args.ports.chroma }),
  ];
}

/**
 * Verifies the downloads (fetching what is missing), then starts Kafka and Chroma, each
 * health-checked. Already-running healthy services are left alone.
 */
export async function startLocalServices(
  options: LocalServicesOptions = {},
): Promise<LocalServices> {
  const reporter = options.reporter ?? consoleReporter();
  const brokers = options.brokers ?? 1;
  const ports: LocalPorts = { ...DEFAULT_LOCAL_PORTS, ...options.ports };
  const nodes = kafkaNodes({
    nodes: brokers,
    brokerBasePort: ports.kafka,
    controllerBasePort: ports.kafkaController,
  });
  const { paths, kafkaJarDir, model } = await fetchLocalDownloads({ ...options, reporter });
  await markRunDir(paths.runDir);
  const context: LocalServicesContext = {
    paths,
    kafkaBrokers: nodes.map((n) => `127.0.0.1:${n.brokerPort}`),
    chromaUrl: `http://127.0.0.1:${ports.chroma}`,
    modelDir: model.dir,
    reporter,
  };
  const definitions = [
    ...coreServiceDefinitions({ paths, kafkaJarDir, brokers, ports, reporter }),
    ...(options.additionalServices?.(context) ?? []),
  ];
  const outcome = await startServices(definitions, {
    stateFile: paths.stateFile,
    logDir: paths.logDir,
    runDir: paths.runDir,
    reporter,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { ...context, outcome };
}

/**
 * Written into a run directory by `local up`: `local down --purge` deletes a directory only
 * when it holds this file, so `--run-dir ~` or a typo can never delete someone's files.
 */
export const RUN_DIR_MARKER = '.meshrag-run-dir';

/** What a run directory holds (see cache-paths, the Kafka and Chroma services, run-lock). */
const RUN_DIR_ENTRIES = new Set([
  RUN_DIR_MARKER,
  'state.json',
  RUN_LOCK_FILE,
  'logs',
  'kafka',
  'chroma',
]);

/** Creates the run directory if needed and marks it as one `local up` made. */
export async function markRunDir(runDir: string): Promise<void> {
  await mkdir(runDir, { recursive: true });
  const marker = join(runDir, RUN_DIR_MARKER);
  const entries = await readdir(runDir);
  // empty, already marked, or a run directory from before the marker existed
  if (!entries.every((entry) => RUN_DIR_ENTRIES.has(entry))) {
    throw new Error(
      `${runDir} is not empty and is not a meshrag run directory; choose an empty or new --run-dir`,
    );
  }
  await writeFile(
    marker,
    'created by `meshrag local up`; `meshrag local down --purge` deletes this directory\n',
  );
}

/**
 * Deletes a run directory that `local up` created (it holds `RUN_DIR_MARKER`); anything else is
 * refused. Returns false when there was nothing to delete.
 */
export async function purgeRunDir(runDir: string): Promise<boolean> {
  const entries = await readdir(runDir).catch(() => undefined);
  if (entries === undefined) return false;
  if (!entries.includes(RUN_DIR_MARKER)) {
    throw new Error(
      `${runDir} was not created by \`meshrag local up\` (no ${RUN_DIR_MARKER} in it); not deleting it`,
    );
  }
  await rm(runDir, { recursive: true, force: true });
  return true;
}

/** Stops every service recorded in the run directory's state file. */
export async function stopLocalServices(
  options: CachePathsOptions & { readonly reporter?: Reporter } = {},
): Promise<void> {
  const paths = resolveCachePaths(options);
  await stopServices({
    stateFile: paths.stateFile,
    reporter: options.reporter ?? consoleReporter(),
  });
}

export async function localServicesStatus(
  options: CachePathsOptions = {},
): Promise<ServiceStatus[]> {
  return serviceStatuses({ stateFile: resolveCachePaths(options).stateFile });
}
