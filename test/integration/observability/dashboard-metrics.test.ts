/**
 * Every metric the meshrag dashboard and alerts name is exported by the services
 * `meshrag local up` runs, so no panel points at a metric nobody exports. Metrics of other
 * exporters (kube-state-metrics, NVIDIA DCGM) are listed by name with their exporter.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { meshragAlerts } from '../../../constructs/observability/meshrag-alerts.js';
import { meshragPanels } from '../../../constructs/observability/meshrag-dashboard.js';
import { REPO_ROOT } from '../../../local/cache-paths.js';
import { findFreePorts } from '../../../local/free-port.js';
import { exportedFamilies, isExported, metricNamesIn } from '../../helpers/exported-metrics.js';

const run = promisify(execFile);

/** Metrics the dashboard or alerts use that other exporters serve in a cluster. */
const OTHER_EXPORTERS: Readonly<Record<string, string>> = {
  DCGM_FI_DEV_GPU_UTIL: 'NVIDIA DCGM exporter (GPU nodes)',
  kube_pod_container_status_restarts_total: 'kube-state-metrics',
};

async function meshrag(args: string[]): Promise<void> {
  await run(process.execPath, [join(REPO_ROOT, 'bin/meshrag.mjs'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, MESHRAG_CACHE_DIR: inject('cacheDir') },
  });
}

describe('dashboard and alert metrics on the running services', () => {
  let runDir = '';
  let embedderPort = 0;
  let consumerPort = 0;

  beforeAll(async () => {
    runDir = await mkdtemp(join(tmpdir(), 'meshrag-metrics-'));
    const ports = await findFreePorts(5);
    const [kafka = 0, controller = 0, chroma = 0] = ports;
    embedderPort = ports[3] ?? 0;
    consumerPort = ports[4] ?? 0;
    await meshrag([
      'local',
      'up',
      '--run-dir',
      runDir,
      '--kafka-port',
      String(kafka),
      '--kafka-controller-port',
      String(controller),
      '--chroma-port',
      String(chroma),
      '--embedder-port',
      String(embedderPort),
      '--consumer-port',
      String(consumerPort),
    ]);
  }, 600_000);

  afterAll(async () => {
    if (runDir === '') return;
    await meshrag(['local', 'down', '--run-dir', runDir]);
    await rm(runDir, { recursive: true, force: true });
  }, 120_000);

  it('exports every metric named by a dashboard panel or an alert', async () => {
    const expressions = [
      ...meshragPanels('meshrag').flatMap((p) => p.targets.map((t) => t.expr)),
      ...meshragAlerts('meshrag', 'consumer').map((a) => a.expr),
    ];
    const names = metricNamesIn(expressions);
    expect(names.length).toBeGreaterThan(10);

    const families = new Map<string, string>();
    for (const port of [embedderPort, consumerPort]) {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(response.status).toBe(200);
      for (const [name, type] of exportedFamilies(await response.text())) families.set(name, type);
    }

    const missing = names.filter(
      (n) => OTHER_EXPORTERS[n] === undefined && !isExported(n, families),
    );
    expect(missing).toEqual([]);
    // Every metric left to other exporters is named here, and still used.
    expect(names.filter((n) => OTHER_EXPORTERS[n] !== undefined).sort()).toEqual(
      Object.keys(OTHER_EXPORTERS).sort(),
    );
  });
});
