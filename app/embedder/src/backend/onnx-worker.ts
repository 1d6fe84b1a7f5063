/**
 * Worker-thread entry of the model backend, for either runtime. onnxruntime-node's `run()`
 * blocks the thread it is called on (onnxruntime#19611), and so do OpenVINO's C calls through
 * koffi, so the model lives here and the HTTP event loop stays free to accept, tokenize and
 * answer while a batch runs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { OnnxModel, type OnnxModelOptions } from './onnx-model.js';
import { OpenVinoModel, type OpenVinoModelOptions } from './openvino-model.js';

export type OnnxWorkerData =
  | {
      readonly runtime?: 'onnxruntime';
      readonly modelPath: string;
      readonly options: OnnxModelOptions;
    }
  | {
      readonly runtime: 'openvino';
      readonly modelPath: string;
      readonly options: OpenVinoModelOptions;
    };

/** Messages to the worker. */
export type OnnxWorkerRequest = {
  /** `embed`: one pooled vector per sequence; `embed-tokens`: one vector per token. */
  readonly type: 'embed' | 'embed-tokens';
  readonly id: number;
  /** All sequences' ids back to back; `lengths` splits them. */
  readonly ids: Int32Array;
  readonly lengths: readonly number[];
};

/** Messages from the worker. */
export type OnnxWorkerResponse =
  | { readonly type: 'ready'; readonly info: OnnxModel['info'] }
  | { readonly type: 'load-failed'; readonly message: string }
  | {
      readonly type: 'embedded';
      readonly id: number;
      /** Every vector back to back: one per sequence, or one per token for `embed-tokens`. */
      readonly vectors: Float32Array;
    }
  | { readonly type: 'failed'; readonly id: number; readonly message: string };

const port = parentPort;
if (!port) throw new Error('onnx-worker must run in a worker thread');
const data = workerData as OnnxWorkerData;

try {
  const model =
    data.runtime === 'openvino'
      ? await OpenVinoModel.load(data.modelPath, data.options)
      : await OnnxModel.load(data.modelPath, data.options);
  port.on('message', async (request: OnnxWorkerRequest) => {
    try {
      const sequences: Int32Array[] = [];
      let offset = 0;
      for (const length of request.lengths) {
        sequences.push(request.ids.subarray(offset, offset + length));
        offset += length;
      }
      const vectors =
        request.type === 'embed-tokens'
          ? await model.embedTokens(sequences)
          : await model.embed(sequences);
      const flat = new Float32Array(vectors.reduce((sum, vector) => sum + vector.length, 0));
      let at = 0;
      for (const vector of vectors) {
        flat.set(vector, at);
        at += vector.length;
      }
      port.postMessage(
        { type: 'embedded', id: request.id, vectors: flat } satisfies OnnxWorkerResponse,
        [flat.buffer],
      );
    } catch (error) {
      port.postMessage({
        type: 'failed',
        id: request.id,
        message: (error as Error).message,
      } satisfies OnnxWorkerResponse);
    }
  });
  port.postMessage({ type: 'ready', info: model.info } satisfies OnnxWorkerResponse);
} catch (error) {
  port.postMessage({
    type: 'load-failed',
    message: (error as Error).message,
  } satisfies OnnxWorkerResponse);
}
