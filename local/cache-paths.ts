/**
 * Where the local runtime keeps things. Downloads (Kafka jars, wheels, the model) live in one
 * cache directory that tests share; runtime data (Kafka logs, Chroma data, logs, the state
 * file) lives in a run directory, `<cache>/run` by default, which a test points at a temp dir.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file's place in it. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The OpenVINO release pinned in `local/model/build-requirements.txt`. */
export const OPENVINO_VERSION = '2026.4.1';

export interface CachePathsOptions {
  /**
   * The cache directory.
   * @default - `MESHRAG_CACHE_DIR` from the environment, else `<repo>/.cache`
   */
  readonly cacheDir?: string;
  /**
   * The run directory for service data, logs and the state file.
   * @default - `<cacheDir>/run`
   */
  readonly runDir?: string;
  /**
   * Environment to read `MESHRAG_CACHE_DIR` from.
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface CachePaths {
  readonly cacheDir: string;
  /** Kafka jars copied from Maven Central, one folder per Kafka version. */
  readonly kafkaLibDir: string;
  /** Maven's local repository for the Kafka fetch, kept in the cache so it is self-contained. */
  readonly mavenRepoDir: string;
  /** Wheels downloaded from PyPI. */
  readonly wheelsDir: string;
  /** The model directory (`app/common/model-files.ts` contract). */
  readonly modelDir: string;
  /** The model build's venv (pinned PyPI packages) and its scratch folder. */
  readonly modelBuildDir: string;
  /** OpenVINO's runtime libraries (C API, CPU plugin, TBB), copied out of the build venv. */
  readonly openvinoLibDir: string;
  readonly runDir: string;
  /** Service log files. */
  readonly logDir: string;
  /** pids and ports of the running services. */
  readonly stateFile: string;
}

/** Resolves every cache path once; relative paths are taken from the current directory. */
export function resolveCachePaths(options: CachePathsOptions = {}): CachePaths {
  const env = options.env ?? process.env;
  const fromEnv = env.MESHRAG_CACHE_DIR === '' ? undefined : env.MESHRAG_CACHE_DIR;
  const cacheDir = resolve(options.cacheDir ?? fromEnv ?? join(REPO_ROOT, '.cache'));
  const runDir = resolve(options.runDir ?? join(cacheDir, 'run'));
  return {
    cacheDir,
    kafkaLibDir: join(cacheDir, 'kafka'),
    mavenRepoDir: join(cacheDir, 'downloads', 'maven-repository'),
    wheelsDir: join(cacheDir, 'downloads', 'wheels'),
    // Named apart from the old single-file layout so both can share a cache while branches merge.
    modelDir: join(cacheDir, 'model', 'all-MiniLM-L6-v2-variants'),
    modelBuildDir: join(cacheDir, 'model-build'),
    openvinoLibDir: join(cacheDir, 'openvino', OPENVINO_VERSION, 'libs'),
    runDir,
    logDir: join(runDir, 'logs'),
    stateFile: join(runDir, 'state.json'),
  };
}
