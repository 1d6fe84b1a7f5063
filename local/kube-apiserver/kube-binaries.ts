/**
 * etcd, kube-apiserver, kube-controller-manager and kubectl built from their Go modules into
 * the cache, the way controller-runtime's envtest gets a real API server without a cluster.
 * Debian's etcd (3.4) and kubectl (1.20) are too old, and no binary download site is
 * reachable from CI; the Go module proxy is.
 *
 * Two small Go modules in this folder pin what is built (`go/etcd`, `go/kubernetes`, each with
 * its go.sum). `k8s.io/kubernetes` cannot be `go install`ed: its go.mod points its staging
 * modules at `./staging`, so `go/kubernetes/go.mod` replaces each with the published v0.34.x.
 * A cold build takes minutes and several GB of Go build cache; a stamp file records what the
 * binaries were built from, so later calls only check it.
 */
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CachePaths } from '../cache-paths.js';
import { REPO_ROOT } from '../cache-paths.js';
import type { Reporter } from '../reporter.js';
import { runCommand } from '../run-command.js';

/** Must match `k8s.io/kubernetes` in `go/kubernetes/go.mod`. */
export const KUBERNETES_VERSION = '1.34.4';
/** Must match `go.etcd.io/etcd/server/v3` in `go/etcd/go.mod`. */
export const ETCD_VERSION = '3.6.16';

const GO_DIR = join(REPO_ROOT, 'local', 'kube-apiserver', 'go');
const STAMP_FILE = 'built-from.json';

/** Where the four binaries are. */
export interface KubeBinaries {
  readonly dir: string;
  readonly etcd: string;
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  readonly kubectl: string;
}

interface GoBuild {
  /** Go module folder under `go/`. */
  readonly module: string;
  /** Packages to build; `go build -o <dir>/` names each binary after its last path element. */
  readonly packages: readonly string[];
  /** The binaries this build leaves in the folder. */
  readonly outputs: readonly string[];
  readonly ldflags: readonly string[];
}

// The version baked into the binaries; the API server reports it on /version and kubectl
// compares it with its own.
const kubeVersionFlags = ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap(
  (pkg) => [
    `-X ${pkg}.gitVersion=v${KUBERNETES_VERSION}`,
    `-X ${pkg}.gitMajor=${KUBERNETES_VERSION.split('.')[0]}`,
    `-X ${pkg}.gitMinor=${KUBERNETES_VERSION.split('.')[1]}`,
    `-X ${pkg}.gitTreeState=clean`,
  ],
);

const BUILDS: readonly GoBuild[] = [
  {
    module: 'etcd',
    packages: ['go.etcd.io/etcd/server/v3'],
    // `go build -o dir/` would name it `v3` after the last path element.
    outputs: ['etcd'],
    ldflags: [],
  },
  {
    module: 'kubernetes',
    packages: [
      'k8s.io/kubernetes/cmd/kube-apiserver',
      'k8s.io/kubernetes/cmd/kube-controller-manager',
      'k8s.io/kubernetes/cmd/kubectl',
    ],
    outputs: ['kube-apiserver', 'kube-controller-manager', 'kubectl'],
    ldflags: kubeVersionFlags,
  },
];

/** The cache folder of one version: `<cache>/kube/<version>/bin`. */
export function kubeBinDir(paths: CachePaths): string {
  return join(paths.cacheDir, 'kube', KUBERNETES_VERSION, 'bin');
}

function binariesIn(dir: string): KubeBinaries {
  return {
    dir,
    etcd: join(dir, 'etcd'),
    kubeApiserver: join(dir, 'kube-apiserver'),
    kubeControllerManager: join(dir, 'kube-controller-manager'),
    kubectl: join(dir, 'kubectl'),
  };
}

/** A hash of everything that decides what gets built: the pinned modules and the flags. */
async function buildInputsHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const build of BUILDS) {
    for (const file of ['go.mod', 'go.sum']) {
      hash.update(`${build.module}/${file}\n`);
      hash.update(await readFile(join(GO_DIR, build.module, file)));
    }
    hash.update(JSON.stringify(build));
  }
  return hash.digest('hex');
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export interface EnsureKubeBinariesOptions {
  readonly paths: CachePaths;
  readonly reporter: Reporter;
  /**
   * The `go` executable (Go 1.26 or later: etcd 3.6.16 asks for it; with an older Go 1.21+,
   * the go command fetches a newer toolchain from the module proxy itself).
   * @default - `MESHRAG_GO` from the environment, else `go`
   */
  readonly go?: string;
}

/**
 * Builds the binaries into the cache unless a build from the same inputs is there already.
 * Each build goes to a temp folder first, so an interrupted build never leaves a half set.
 * @returns where the binaries are
 * @throws FetchError when Go is missing or a build fails
 */
export async function ensureKubeBinaries(
  options: EnsureKubeBinariesOptions,
): Promise<KubeBinaries> {
  const { paths, reporter } = options;
  const dir = kubeBinDir(paths);
  const binaries = binariesIn(dir);
  const inputs = await buildInputsHash();
  const stampFile = join(dir, STAMP_FILE);
  const stamp = await readFile(stampFile, 'utf8').catch(() => '');
  const allThere = (
    await Promise.all(BUILDS.flatMap((b) => b.outputs).map((o) => exists(join(dir, o))))
  ).every(Boolean);
  if (allThere && stamp.includes(inputs)) {
    reporter.info(
      `Kubernetes ${KUBERNETES_VERSION} and etcd ${ETCD_VERSION}: binaries in ${dir} up to date`,
    );
    return binaries;
  }
  const go = options.go ?? process.env.MESHRAG_GO ?? 'go';
  reporter.info(
    `Kubernetes ${KUBERNETES_VERSION} and etcd ${ETCD_VERSION}: building with Go into ${dir} ` +
      '(cold: tens of minutes on 2 cores and ~7 GB of Go build cache; a stamp check afterwards)',
  );
  await mkdir(dir, { recursive: true });
  await rm(stampFile, { force: true });
  const started = Date.now();
  for (const build of BUILDS) await goBuild(go, build, dir, reporter);
  await writeFile(
    stampFile,
    `${JSON.stringify({ kubernetes: KUBERNETES_VERSION, etcd: ETCD_VERSION, inputs }, null, 2)}\n`,
  );
  reporter.info(
    `Kubernetes ${KUBERNETES_VERSION} and etcd ${ETCD_VERSION}: built in ` +
      `${Math.round((Date.now() - started) / 1000)} s`,
  );
  return binaries;
}

async function goBuild(go: string, build: GoBuild, dir: string, reporter: Reporter) {
  const cwd = join(GO_DIR, build.module);
  const env = {
    // Static binaries, as upstream ships kube-apiserver; no C compiler needed.
    CGO_ENABLED: '0',
    // A Go module proxy is the one source this needs; never write to the pinned go.mod.
    GOFLAGS: '-mod=readonly',
  };
  const label = build.outputs.join(', ');
  // Count the packages first, so progress can say how far along the build is.
  const packages: string[] = [];
  await runCommand(go, ['list', '-deps', ...build.packages], {
    cwd,
    env,
    purpose: `listing the Go packages of ${label} (downloads the modules on first use)`,
    onLine: (line) => {
      if (!line.startsWith('go: ')) packages.push(line);
      else if (line.startsWith('go: downloading')) reporter.info(`  ${line}`);
    },
  });
  const total = packages.length;
  const bar = reporter.progress?.(`compiling ${label}`, total);
  let compiled = 0;
  let lastLine = Date.now();
  const staging = join(dir, `.building-${build.module}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  reporter.info(`  compiling ${label}: ${total} packages (cached ones are skipped)`);
  await runCommand(
    go,
    [
      'build',
      // -v names each package as it is compiled: the progress.
      '-v',
      '-ldflags',
      ['-s', '-w', ...build.ldflags].join(' '),
      '-o',
      build.outputs.length === 1 ? join(staging, build.outputs[0] ?? '') : `${staging}/`,
      ...build.packages,
    ],
    {
      cwd,
      env,
      purpose: `building ${label} with Go`,
      onLine: (line) => {
        if (line.startsWith('go: ') || line.includes(' ')) return;
        compiled += 1;
        if (bar) bar.tick(line);
        else if (Date.now() - lastLine > 30_000) {
          lastLine = Date.now();
          reporter.info(`  compiling ${label}: ${compiled}/${total} packages (${line})`);
        }
      },
    },
  ).finally(() => bar?.stop());
  for (const output of build.outputs) await rename(join(staging, output), join(dir, output));
  await rm(staging, { recursive: true, force: true });
  reporter.info(`  ${label}: built`);
}
