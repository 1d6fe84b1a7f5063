/** Backends that stand in for onnxruntime where a test needs control over a model run. */
import type { EmbeddingBackend } from '../../../../app/embedder/src/backend/embedding-backend.js';
import type { BackendFactory } from '../../../../app/embedder/src/embedder.js';
import { BackendError } from '../../../../app/embedder/src/errors.js';

const INFO = {
  runtime: 'onnxruntime',
  runtimeVersion: 'fake',
  precision: 'fp32',
  variant: 'fp32',
  modelFile: 'model.onnx',
  cpuVnni: false,
  requestedProvider: 'cpu',
  activeProvider: 'cpu',
  intraOpNumThreads: 1,
  dimensions: 384,
} as const;

/** Every run fails, as a crashed or broken session would. */
export const failingBackend: BackendFactory = async () => ({
  info: INFO,
  embed: async () => {
    throw new BackendError('model run failed: simulated onnxruntime failure');
  },
  embedTokens: async () => {
    throw new BackendError('model run failed: simulated onnxruntime failure');
  },
  isAlive: () => true,
  close: async () => {},
});

/** Runs wait until the test calls `release()`; `runs` records each batch's sequence count. */
export function heldBackend(): {
  factory: BackendFactory;
  runs: number[];
  release: () => void;
  closed: () => boolean;
} {
  const runs: number[] = [];
  let releaseAll: (() => void) | undefined;
  let gate = new Promise<void>((resolve) => {
    releaseAll = resolve;
  });
  let isClosed = false;
  const backend: EmbeddingBackend = {
    info: INFO,
    embed: async (sequences) => {
      runs.push(sequences.length);
      await gate;
      return sequences.map((ids) => new Float32Array(384).fill(ids.length));
    },
    embedTokens: async (sequences) => {
      runs.push(sequences.length);
      await gate;
      return sequences.map((ids) => new Float32Array(384 * ids.length).fill(ids.length));
    },
    isAlive: () => !isClosed,
    close: async () => {
      isClosed = true;
    },
  };
  return {
    factory: async () => backend,
    runs,
    release: () => {
      releaseAll?.();
      gate = Promise.resolve();
    },
    closed: () => isClosed,
  };
}

/**
 * A backend whose runs answer at once (vectors filled with the sequence length) unless the test
 * holds them: `hold()` makes later runs wait until `release()`, any number of times.
 */
export function gatedBackend(): { factory: BackendFactory; hold: () => void; release: () => void } {
  let gate: Promise<void> = Promise.resolve();
  let open: (() => void) | undefined;
  const backend: EmbeddingBackend = {
    info: INFO,
    embed: async (sequences) => {
      await gate;
      return sequences.map((ids) => new Float32Array(384).fill(ids.length));
    },
    embedTokens: async (sequences) => {
      await gate;
      return sequences.map((ids) => new Float32Array(384 * ids.length).fill(ids.length));
    },
    isAlive: () => true,
    close: async () => {
      open?.();
    },
  };
  return {
    factory: async () => backend,
    hold: () => {
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    release: () => {
      open?.();
      gate = Promise.resolve();
    },
  };
}
