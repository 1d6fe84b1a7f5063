/**
 * Starts real Kafka (1 broker) and Chroma once for the whole integration project, on free
 * ports in a temporary run directory, sharing the download cache (`MESHRAG_CACHE_DIR` or
 * `<repo>/.cache`). Tests read the addresses with `inject()`. Everything is stopped after the
 * run, also when tests fail; an exit hook kills the process groups if teardown never runs.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { findFreePorts } from '../../local/free-port.js';
import { startLocalServices, stopLocalServices } from '../../local/local-services.js';
import { consoleReporter } from '../../local/reporter.js';
import { killGroupsNow } from '../../local/supervisor/process-control.js';
import { parseState, readState } from '../../local/supervisor/supervisor-state.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Bootstrap servers of the shared 1-broker Kafka, `127.0.0.1:<port>`. */
    kafkaBrokers: string[];
    /** Base URL of the shared Chroma server. */
    chromaUrl: string;
    /** The verified model directory in the download cache. */
    modelDir: string;
    /** The download cache the services were started from. */
    cacheDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runDir = await mkdtemp(join(tmpdir(), 'meshrag-it-'));
  const reporter = consoleReporter(process.stderr, 'meshrag(test setup)');
  const [kafka = 0, kafkaController = 0, chroma = 0] = await findFreePorts(3);
  const stateFile = join(runDir, 'state.json');
  const killOnExit = () => {
    // Synchronous on purpose: 'exit' handlers cannot wait. Reads what was started so far.
    try {
      const state = parseState(readFileSync(stateFile, 'utf8'), stateFile);
      killGroupsNow(state.services.map((s) => s.pid));
    } catch {
      // nothing started, or already stopped
    }
  };
  process.once('exit', killOnExit);

  const teardown = async () => {
    await stopLocalServices({ runDir, reporter });
    process.off('exit', killOnExit);
    const left = await readState(stateFile);
    if (left.services.length > 0) {
      throw new Error(`integration teardown left services in ${stateFile}`);
    }
    await rm(runDir, { recursive: true, force: true });
  };

  try {
    const services = await startLocalServices({
      runDir,
      brokers: 1,
      ports: { kafka, kafkaController, chroma },
      reporter,
    });
    project.provide('kafkaBrokers', [...services.kafkaBrokers]);
    project.provide('chromaUrl', services.chromaUrl);
    project.provide('modelDir', services.modelDir);
    project.provide('cacheDir', services.paths.cacheDir);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
