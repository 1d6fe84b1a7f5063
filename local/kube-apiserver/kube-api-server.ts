/**
 * A real Kubernetes control plane on 127.0.0.1 for tests: etcd, kube-apiserver and
 * kube-controller-manager (garbage collector, namespace deletion, StatefulSet and PV binder
 * controllers), no scheduler and no kubelet, so nothing ever runs or becomes Ready. Like
 * controller-runtime's envtest, but with the controller-manager too: Pulumi deletes with
 * foreground propagation, which only completes when the garbage collector runs.
 *
 * Every start gets free ports, a temp run directory, a fresh service-account signing key and an
 * admin token; kube-apiserver generates its own serving certificate (and CA) in `<run>/pki`,
 * which the admin kubeconfig trusts.
 * @see https://book.kubebuilder.io/reference/envtest.html
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CachePaths } from '../cache-paths.js';
import { ServiceError } from '../errors.js';
import { findFreePorts } from '../free-port.js';
import type { Reporter } from '../reporter.js';
import { killGroupsNow } from '../supervisor/process-control.js';
import type { ServiceDefinition } from '../supervisor/service-definition.js';
import { startServices, stopServices } from '../supervisor/supervisor.js';
import { parseState } from '../supervisor/supervisor-state.js';
import { ensureKubeBinaries, type KubeBinaries } from './kube-binaries.js';

/** The Service IP range; the API server takes its first address for `kubernetes.default`. */
const SERVICE_CLUSTER_IP_RANGE = '10.0.0.0/24';

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface KubectlOptions {
  /** Written to kubectl's stdin (`apply -f -`). @default - none */
  readonly input?: string;
}

export interface KubeApiServer {
  /** `https://127.0.0.1:<port>`. */
  readonly url: string;
  /** An admin (`system:masters`) kubeconfig file for this server. */
  readonly kubeconfig: string;
  readonly binaries: KubeBinaries;
  /** Holds etcd's data, the keys, the certificate and the logs; removed by `stop`. */
  readonly runDir: string;
  /** Runs the built kubectl against this server; never throws on a non-zero exit. */
  kubectl(args: readonly string[], options?: KubectlOptions): Promise<KubectlResult>;
  /** Stops the controller-manager, the API server and etcd, and removes the run directory. */
  stop(): Promise<void>;
}

export interface StartKubeApiServerOptions {
  readonly paths: CachePaths;
  readonly reporter: Reporter;
  /**
   * The run directory.
   * @default - a new temp directory, removed by `stop`
   */
  readonly runDir?: string;
  /**
   * How long to wait for the API server to answer `/readyz`.
   * @default 120_000
   */
  readonly readyTimeoutMs?: number;
}

interface Endpoint {
  readonly url: string;
  readonly ca: Buffer;
  readonly token: string;
}

function get(endpoint: Endpoint, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = request(
      `${endpoint.url}${path}`,
      { ca: endpoint.ca, headers: { authorization: `Bearer ${endpoint.token}` }, timeout: 5_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body }));
      },
    );
    req.once('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.once('error', reject);
    req.end();
  });
}

/** Polls until `check` returns a value, or throws with the last thing seen. */
async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms (last: ${last})`);
}

function kubeconfigYaml(url: string, caFile: string, token: string): string {
  // JSON is YAML; kubectl and client-go read either.
  return `${JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'meshrag-test', cluster: { server: url, 'certificate-authority': caFile } },
      ],
      users: [{ name: 'meshrag-admin', user: { token } }],
      contexts: [
        { name: 'meshrag-test', context: { cluster: 'meshrag-test', user: 'meshrag-admin' } },
      ],
      'current-context': 'meshrag-test',
    },
    null,
    2,
  )}\n`;
}

/**
 * Builds the binaries if needed (see `ensureKubeBinaries`), then starts etcd, kube-apiserver
 * and kube-controller-manager, and waits until the API server is ready and the
 * controller-manager has created the `default` ServiceAccount (its controllers run).
 * @throws ServiceError when a process does not come up; what was started is stopped again
 */
export async function startKubeApiServer(
  options: StartKubeApiServerOptions,
): Promise<KubeApiServer> {
  const { reporter } = options;
  const binaries = await ensureKubeBinaries({ paths: options.paths, reporter });
  const runDir = options.runDir ?? (await mkdtemp(join(tmpdir(), 'meshrag-kube-')));
  const pkiDir = join(runDir, 'pki');
  await mkdir(pkiDir, { recursive: true });
  const [etcdPort = 0, etcdPeerPort = 0, apiPort = 0, kcmPort = 0] = await findFreePorts(4);
  const url = `https://127.0.0.1:${apiPort}`;
  const token = randomBytes(24).toString('hex');
  const caFile = join(pkiDir, 'apiserver.crt');
  const kubeconfig = join(runDir, 'admin.kubeconfig');

  // Service-account tokens are signed with this key; the API server verifies with its public half.
  const saKey = join(pkiDir, 'sa.key');
  const saPub = join(pkiDir, 'sa.pub');
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(saKey, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await writeFile(saPub, keys.publicKey.export({ type: 'spki', format: 'pem' }));
  const tokenFile = join(pkiDir, 'tokens.csv');
  await writeFile(tokenFile, `${token},meshrag-admin,meshrag-admin,"system:masters"\n`, {
    mode: 0o600,
  });

  const etcd: ServiceDefinition = {
    name: 'etcd',
    ports: { client: etcdPort, peer: etcdPeerPort },
    endpoint: `http://127.0.0.1:${etcdPort}`,
    command: binaries.etcd,
    args: [
      '--name=meshrag',
      `--data-dir=${join(runDir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-cluster=meshrag=http://127.0.0.1:${etcdPeerPort}`,
      // Test data: durability is not worth an fsync per write (envtest does the same).
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ],
    health: { kind: 'tcp', host: '127.0.0.1', port: etcdPort },
    startTimeoutMs: 60_000,
    stopTimeoutMs: 10_000,
  };
  const apiserver: ServiceDefinition = {
    name: 'kube-apiserver',
    ports: { https: apiPort },
    endpoint: url,
    dependsOn: ['etcd'],
    command: binaries.kubeApiserver,
    args: [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      `--secure-port=${apiPort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      // No --tls-cert-file: the API server generates a CA and a serving certificate for
      // 127.0.0.1 and localhost into --cert-dir (apiserver.crt holds both).
      `--cert-dir=${pkiDir}`,
      `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${saPub}`,
      `--service-account-signing-key-file=${saKey}`,
      `--token-auth-file=${tokenFile}`,
      '--authorization-mode=RBAC',
      '--allow-privileged=true',
    ],
    health: { kind: 'tcp', host: '127.0.0.1', port: apiPort },
    startTimeoutMs: 120_000,
    stopTimeoutMs: 15_000,
  };
  const controllerManager: ServiceDefinition = {
    name: 'kube-controller-manager',
    ports: { https: kcmPort },
    endpoint: `https://127.0.0.1:${kcmPort}`,
    dependsOn: ['kube-apiserver'],
    command: binaries.kubeControllerManager,
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      `--secure-port=${kcmPort}`,
      '--bind-address=127.0.0.1',
      '--leader-elect=false',
      `--service-account-private-key-file=${saKey}`,
      `--root-ca-file=${caFile}`,
    ],
    health: { kind: 'process' },
    startTimeoutMs: 60_000,
    stopTimeoutMs: 10_000,
  };

  const supervisor = {
    stateFile: join(runDir, 'state.json'),
    logDir: join(runDir, 'logs'),
    runDir,
    reporter,
  };
  // If the process exits without `stop()` (a crashed test worker), kill what was started.
  // Synchronous on purpose: 'exit' handlers cannot wait.
  const killOnExit = () => {
    try {
      const state = parseState(readFileSync(supervisor.stateFile, 'utf8'), supervisor.stateFile);
      killGroupsNow(state.services.map((s) => s.pid));
    } catch {
      // nothing started, or already stopped
    }
  };
  process.once('exit', killOnExit);
  const stop = async () => {
    await stopServices(supervisor);
    process.off('exit', killOnExit);
    if (options.runDir === undefined) await rm(runDir, { recursive: true, force: true });
  };
  const kubectl = (args: readonly string[], kubectlOptions: KubectlOptions = {}) =>
    runKubectl(
      binaries.kubectl,
      // Discovery cached per server in the run directory, not in ~/.kube.
      ['--kubeconfig', kubeconfig, '--cache-dir', join(runDir, 'kubectl-cache'), ...args],
      kubectlOptions.input,
    );

  const started = Date.now();
  try {
    await startServices([etcd, apiserver], supervisor);
    const endpoint: Endpoint = { url, ca: await readFile(caFile), token };
    await waitFor('kube-apiserver /readyz', options.readyTimeoutMs ?? 120_000, async () => {
      const { status, body } = await get(endpoint, '/readyz');
      if (status === 200) return true;
      throw new Error(`/readyz → ${status}: ${body.slice(-300)}`);
    });
    await writeFile(kubeconfig, kubeconfigYaml(url, caFile, token), { mode: 0o600 });
    await startServices([etcd, apiserver, controllerManager], supervisor);
    await waitFor(
      'kube-controller-manager creating the default ServiceAccount',
      90_000,
      async () => {
        const { status } = await get(
          endpoint,
          '/api/v1/namespaces/default/serviceaccounts/default',
        );
        return status === 200 ? true : undefined;
      },
    );
  } catch (error) {
    await stopServices(supervisor).catch(() => undefined);
    process.off('exit', killOnExit);
    throw new ServiceError(
      `the Kubernetes API server did not come up: ${(error as Error).message}; logs in ` +
        `${supervisor.logDir}`,
      'kube-apiserver',
      join(supervisor.logDir, 'kube-apiserver.console.log'),
    );
  }
  reporter.info(
    `kube-apiserver ready at ${url} with kube-controller-manager in ` +
      `${((Date.now() - started) / 1000).toFixed(1)} s (kubeconfig ${kubeconfig})`,
  );
  return { url, kubeconfig, binaries, runDir, kubectl, stop };
}

function runKubectl(
  kubectl: string,
  args: readonly string[],
  input?: string,
): Promise<KubectlResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(kubectl, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}
