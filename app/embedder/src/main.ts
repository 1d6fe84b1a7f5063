/**
 * The embedder process: `node --import tsx app/embedder/src/main.ts` from sources, or
 * `node dist/app/embedder/src/main.js` in the image. Configuration comes from
 * `MESHRAG_EMBEDDER_*` variables and `--flags` (see README.md).
 */
import { ConfigError, loadConfig } from './config.js';
import { startServer } from './server.js';

try {
  const config = loadConfig(process.env, process.argv.slice(2));
  await startServer({ config });
} catch (error) {
  if (
    error instanceof ConfigError ||
    (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
  ) {
    process.stderr.write(`meshrag-embedder: ${(error as Error).message}\n`);
    process.exit(2);
  }
  throw error;
}
