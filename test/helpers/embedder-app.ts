/** Builds embedder apps for tests: the real model, a silent logger, and config overrides. */
import { pino } from 'pino';
import { buildApp, type EmbedderApp } from '../../app/embedder/src/app.js';
import { type EmbedderConfig, loadConfig } from '../../app/embedder/src/config.js';
import type { BackendFactory } from '../../app/embedder/src/embedder.js';
import { findModelDir } from './model-dir.js';

export interface TestAppOptions {
  readonly config?: Partial<EmbedderConfig>;
  readonly createBackend?: BackendFactory;
  /**
   * Load the model before returning.
   * @default true
   */
  readonly start?: boolean;
}

export function testConfig(overrides: Partial<EmbedderConfig> = {}): EmbedderConfig {
  return loadConfig({}, [], {
    modelDir: findModelDir(),
    port: 0,
    logLevel: 'silent',
    ...overrides,
  });
}

export async function buildTestApp(options: TestAppOptions = {}): Promise<EmbedderApp> {
  const app = buildApp({
    config: testConfig(options.config),
    logger: pino({ level: 'silent' }),
    ...(options.createBackend ? { createBackend: options.createBackend } : {}),
  });
  if (options.start ?? true) await app.embedder.start();
  return app;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return dot / Math.sqrt(na * nb);
}

export function norm(a: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) ** 2;
  return Math.sqrt(sum);
}

/** A promise with its resolve/reject exposed, for holding a fake backend mid-run. */
export function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: Error) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
