import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The absolute path of a chart vendored in `charts/`, found from this module's own location so
 * it works from the sources (`components/`), the build (`dist/components/`) and an installed
 * tarball alike, whatever the program's working directory.
 * @param chart the folder under `charts/`, e.g. `istio/base`
 */
export function vendoredChartPath(chart: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4; up++) {
    const candidate = join(dir, 'charts', chart);
    if (existsSync(join(candidate, 'Chart.yaml'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error(
    `vendored chart 'charts/${chart}' not found above ${fileURLToPath(import.meta.url)}; reinstall meshrag or restore the charts/ folder`,
  );
}
