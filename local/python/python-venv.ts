/**
 * A Python virtual environment in the cache, created with the interpreter's own `venv` and
 * filled by pip from PyPI with pinned requirements, once: later calls find the stamp and
 * return at once. Used for clients the tests drive as a user would (Hugging Face's
 * `huggingface_hub`), so nothing is installed into the system Python.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CachePaths } from '../cache-paths.js';
import type { Reporter } from '../reporter.js';
import { runCommand } from '../run-command.js';

export interface EnsurePythonVenvOptions {
  readonly paths: CachePaths;
  readonly reporter: Reporter;
  /** The folder under `<cache>/python/`, named for what the environment holds. */
  readonly name: string;
  /** A pip requirements file with every package pinned (`name==version`). */
  readonly requirementsFile: string;
  /**
   * The interpreter that creates the environment.
   * @default - `MESHRAG_PYTHON` from the environment, else `python3`
   */
  readonly python?: string;
}

export interface PythonVenv {
  readonly dir: string;
  /** The environment's interpreter. */
  readonly python: string;
}

/** Written last: its absence means the environment is missing or half made. */
const STAMP_FILE = '.meshrag-requirements.sha256';

/**
 * Returns the environment, creating it or replacing it when its requirements changed.
 * @throws FetchError when venv or pip fails, with pip's last lines
 */
export async function ensurePythonVenv(options: EnsurePythonVenvOptions): Promise<PythonVenv> {
  const { paths, reporter, name } = options;
  const dir = join(paths.cacheDir, 'python', name);
  const venv = { dir, python: join(dir, 'bin', 'python') };
  const requirements = await readFile(options.requirementsFile, 'utf8');
  const digest = createHash('sha256').update(requirements).digest('hex');
  const stamp = await readFile(join(dir, STAMP_FILE), 'utf8').catch(() => undefined);
  if (stamp?.trim() === digest) {
    reporter.info(`python: ${name} ready in ${dir}`);
    return venv;
  }
  reporter.info(
    `python: ${stamp === undefined ? 'creating' : 'requirements changed; recreating'} ${name} in ${dir} (pip, from PyPI)`,
  );
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(paths.cacheDir, 'python'), { recursive: true });
  const python = options.python ?? process.env.MESHRAG_PYTHON ?? 'python3';
  // No pip inside: bootstrapping it costs most of a venv's creation time. The interpreter's own
  // pip (22.3 or later) installs into the venv through `--python`.
  await runCommand(python, ['-m', 'venv', '--without-pip', dir], {
    purpose: `creating the ${name} venv`,
  });
  await runCommand(
    python,
    [
      '-m',
      'pip',
      '--python',
      venv.python,
      'install',
      '--disable-pip-version-check',
      '--no-input',
      '--only-binary=:all:',
      '--cache-dir',
      join(paths.cacheDir, 'downloads', 'pip'),
      ...(reporter.interactive ? [] : ['--progress-bar', 'off']),
      '-r',
      options.requirementsFile,
    ],
    {
      purpose: `installing ${options.requirementsFile} into the ${name} venv with pip`,
      inheritStdio: reporter.interactive,
      onLine: (line) => {
        if (/^\s*(Collecting|Downloading|Successfully installed)/.test(line)) {
          reporter.info(`  pip: ${line.trim()}`);
        }
      },
    },
  );
  await writeFile(join(dir, STAMP_FILE), `${digest}\n`);
  reporter.info(`python: ${name} installed`);
  return venv;
}
