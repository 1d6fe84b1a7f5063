/**
 * The ChromaDB server from the `chromadb` npm package (its Rust server through a Node binding;
 * the binding is pinned to 1.0.5 in package.json because newer ones need glibc 2.38+).
 * Data persists under `<runDir>/chroma`. Ready when `GET /api/v2/heartbeat` answers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { CachePaths } from '../cache-paths.js';
import type { ServiceDefinition } from '../supervisor/service-definition.js';

export const CHROMA_SERVICE_NAME = 'chroma';

export interface ChromaServiceOptions {
  readonly paths: CachePaths;
  readonly port: number;
}

/** The CLI script (`bin.chroma`) of the installed `chromadb` package. */
export function chromaCliPath(): string {
  // The package's `exports` hide package.json, so walk up from its entry point.
  let dir = dirname(createRequire(import.meta.url).resolve('chromadb'));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
        name?: string;
        bin?: Record<string, string>;
      };
      if (pkg.name === 'chromadb' && pkg.bin?.chroma) return join(dir, pkg.bin.chroma);
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the `chroma` CLI of the chromadb package');
    dir = parent;
  }
}

export function chromaServiceDefinition(options: ChromaServiceOptions): ServiceDefinition {
  const dataDir = join(options.paths.runDir, 'chroma');
  const url = `http://127.0.0.1:${options.port}`;
  return {
    name: CHROMA_SERVICE_NAME,
    ports: { http: options.port },
    endpoint: url,
    prepare: async () => {
      await mkdir(dataDir, { recursive: true });
    },
    command: process.execPath,
    args: [
      chromaCliPath(),
      'run',
      '--path',
      dataDir,
      '--host',
      '127.0.0.1',
      '--port',
      String(options.port),
    ],
    env: { ANONYMIZED_TELEMETRY: 'False' },
    health: { kind: 'http', url: `${url}/api/v2/heartbeat` },
    startTimeoutMs: 60_000,
    stopTimeoutMs: 10_000,
  };
}
