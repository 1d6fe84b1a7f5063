/**
 * Finds a verified model directory for tests and benchmarks: `MESHRAG_MODEL_DIR` if set, else
 * the cache that `meshrag local fetch` fills (`<cache>/model/all-MiniLM-L6-v2`), else
 * `/tmp/meshrag-model` (a hand-made one on development machines).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_MANIFEST_FILE } from '../../app/common/model-files.js';
import { resolveCachePaths } from '../../local/cache-paths.js';

export function findModelDir(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [
    env.MESHRAG_MODEL_DIR,
    resolveCachePaths({ env }).modelDir,
    '/tmp/meshrag-model',
  ];
  const found = candidates.find(
    (dir): dir is string => !!dir && existsSync(join(dir, MODEL_MANIFEST_FILE)),
  );
  if (!found) {
    throw new Error(
      `no model directory found (looked in ${candidates.filter(Boolean).join(', ')}); run \`node bin/meshrag.mjs local fetch\` first`,
    );
  }
  return found;
}
