/**
 * A stack rendered as it was at a git ref: the ref's tree is extracted with `git archive` into a
 * temporary folder (the repository and its work tree are left alone), given this checkout's
 * node_modules, and rendered there by that tree's own `meshrag render`. So the base side is
 * rendered by the base's constructs and stacks, exactly as `meshrag render` printed it then.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type ManifestObject, parseManifestYaml } from '../reachability/manifest-object.js';

const run = promisify(execFile);

/** The full commit id a ref names; throws with git's message when it names none. */
export async function resolveRef(repoDir: string, ref: string): Promise<string> {
  try {
    const { stdout } = await run('git', [
      '-C',
      repoDir,
      'rev-parse',
      '--verify',
      '--quiet',
      `${ref}^{commit}`,
    ]);
    return stdout.trim();
  } catch {
    throw new Error(
      `'${ref}' names no commit in ${repoDir} (fetch it first, e.g. git fetch origin main)`,
    );
  }
}

async function extractTree(repoDir: string, commit: string, dir: string): Promise<void> {
  await new Promise<void>((done, fail) => {
    const archive = spawn('git', ['-C', repoDir, 'archive', '--format=tar', commit], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tar = spawn('tar', ['-x', '-C', dir], { stdio: ['pipe', 'ignore', 'pipe'] });
    let errors = '';
    archive.stderr.on('data', (d: Buffer) => {
      errors += d.toString();
    });
    tar.stderr.on('data', (d: Buffer) => {
      errors += d.toString();
    });
    archive.stdout.pipe(tar.stdin);
    tar.on('close', (code) =>
      code === 0 ? done() : fail(new Error(`git archive ${commit} | tar failed: ${errors.trim()}`)),
    );
  });
}

/**
 * Renders `stack` as committed at `ref` in `repoDir`; `undefined` when the stack did not exist
 * there (a stack the change adds).
 */
export async function renderStackAtRef(
  repoDir: string,
  ref: string,
  stack: string,
): Promise<ManifestObject[] | undefined> {
  const commit = await resolveRef(repoDir, ref);
  const dir = await mkdtemp(join(tmpdir(), 'meshrag-base-'));
  try {
    await extractTree(repoDir, commit, dir);
    // A tree that committed a node_modules link (or folder) gets this checkout's instead.
    await rm(join(dir, 'node_modules'), { recursive: true, force: true });
    await symlink(resolve(repoDir, 'node_modules'), join(dir, 'node_modules'), 'dir');
    try {
      const { stdout } = await run(
        process.execPath,
        ['bin/meshrag.mjs', 'render', '--stack', stack],
        {
          cwd: dir,
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      return parseManifestYaml(stdout);
    } catch (e) {
      const stderr = (e as { stderr?: string }).stderr ?? '';
      if (/Allowed choices are|unknown stack/i.test(stderr)) return undefined;
      throw new Error(
        `rendering stack ${stack} at ${ref} (${commit.slice(0, 12)}) failed: ${stderr.trim() || (e as Error).message}`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
