/**
 * The model backend as the queue sees it: a worker thread that owns the model (onnxruntime or
 * OpenVINO, see `onnx-worker.ts`), driven by messages. One batch is in the worker at a time (the queue's loop awaits each), so requests are
 * matched to answers by id only as a safeguard.
 */
import { Worker } from 'node:worker_threads';
import { BackendError } from '../errors.js';
import type { BackendInfo, EmbeddingBackend } from './embedding-backend.js';
import type { OnnxModelOptions } from './onnx-model.js';
import type { OnnxWorkerData, OnnxWorkerRequest, OnnxWorkerResponse } from './onnx-worker.js';
import type { OpenVinoModelOptions } from './openvino-model.js';

export class OnnxBackend implements EmbeddingBackend {
  /**
   * Starts the worker and waits until its session is ready.
   * @throws BackendError when the model cannot be loaded
   */
  static async start(modelPath: string, options: OnnxModelOptions = {}): Promise<OnnxBackend> {
    return OnnxBackend.startWorker({ modelPath, options });
  }

  /**
   * Starts the worker on OpenVINO's CPU runtime and waits until the model is compiled.
   * @throws BackendError when the OpenVINO library or the model cannot be loaded
   */
  static async startOpenVino(
    modelPath: string,
    options: OpenVinoModelOptions,
  ): Promise<OnnxBackend> {
    return OnnxBackend.startWorker({ runtime: 'openvino', modelPath, options });
  }

  private static async startWorker(data: OnnxWorkerData): Promise<OnnxBackend> {
    const worker = spawnWorker(data);
    const info = await new Promise<BackendInfo>((resolve, reject) => {
      const onError = (error: Error) =>
        reject(new BackendError(`model worker crashed while loading: ${error.message}`));
      worker.once('error', onError);
      worker.once('message', (message: OnnxWorkerResponse) => {
        worker.off('error', onError);
        if (message.type === 'ready') resolve(message.info);
        else
          reject(
            new BackendError(
              `model failed to load: ${'message' in message ? message.message : message.type}`,
            ),
          );
      });
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    return new OnnxBackend(worker, info);
  }

  private nextId = 0;
  private readonly pending = new Map<
    number,
    {
      resolve: (vectors: Float32Array[]) => void;
      reject: (error: Error) => void;
      /** How many floats of the answer belong to each vector, in order. */
      sizes: number[];
    }
  >();
  private closed = false;
  /** Why the worker is gone, once it crashed or exited on its own. */
  private lostReason: string | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly info: BackendInfo,
  ) {
    worker.on('message', (message: OnnxWorkerResponse) => this.onMessage(message));
    worker.on('error', (error) => this.lose(`model worker crashed: ${error.message}`));
    worker.on('exit', (code) => {
      if (!this.closed) this.lose(`model worker exited with code ${code}`);
    });
  }

  embed(sequences: readonly Int32Array[]): Promise<Float32Array[]> {
    return this.run('embed', sequences);
  }

  embedTokens(sequences: readonly Int32Array[]): Promise<Float32Array[]> {
    return this.run('embed-tokens', sequences);
  }

  private run(
    type: OnnxWorkerRequest['type'],
    sequences: readonly Int32Array[],
  ): Promise<Float32Array[]> {
    if (this.closed) return Promise.reject(new BackendError('the model backend is closed'));
    if (this.lostReason) return Promise.reject(new BackendError(this.lostReason));
    const lengths = sequences.map((s) => s.length);
    const ids = new Int32Array(lengths.reduce((a, b) => a + b, 0));
    let offset = 0;
    for (const sequence of sequences) {
      ids.set(sequence, offset);
      offset += sequence.length;
    }
    const id = this.nextId++;
    const dims = this.info.dimensions;
    const sizes = type === 'embed' ? lengths.map(() => dims) : lengths.map((n) => n * dims);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, sizes });
      this.worker.postMessage({ type, id, ids, lengths } satisfies OnnxWorkerRequest, [ids.buffer]);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll('the model backend is closed');
    await this.worker.terminate();
  }

  private onMessage(message: OnnxWorkerResponse): void {
    if (message.type !== 'embedded' && message.type !== 'failed') return;
    const call = this.pending.get(message.id);
    if (!call) return;
    this.pending.delete(message.id);
    if (message.type === 'failed') {
      call.reject(new BackendError(`model run failed: ${message.message}`));
      return;
    }
    let at = 0;
    call.resolve(
      call.sizes.map((size) => {
        at += size;
        return message.vectors.subarray(at - size, at);
      }),
    );
  }

  /** False once the worker crashed or exited: every call then fails at once (424). */
  isAlive(): boolean {
    return !this.closed && this.lostReason === undefined;
  }

  private lose(reason: string): void {
    this.lostReason ??= reason;
    this.failAll(reason);
  }

  private failAll(reason: string): void {
    for (const call of this.pending.values()) call.reject(new BackendError(reason));
    this.pending.clear();
  }
}

/**
 * Starts `onnx-worker` from compiled JavaScript as is, or from TypeScript sources (tsx, vitest)
 * through a bootstrap that registers tsx inside the worker first: loader hooks registered on
 * the main thread do not reach worker threads on Node 20.
 */
function spawnWorker(data: OnnxWorkerData): Worker {
  const fromSources = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSources ? './onnx-worker.ts' : './onnx-worker.js', import.meta.url);
  if (!fromSources) return new Worker(entry, { workerData: data });
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: data });
}
