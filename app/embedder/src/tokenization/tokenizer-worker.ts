/**
 * Worker-thread entry that tokenizes large requests, so a 2 MiB body (or one input of
 * punctuation, a token per byte) never holds the HTTP event loop: the main thread keeps
 * answering /health and admitting small requests while this runs. Same code as inline
 * tokenization (`EmbeddingTokenizer.encode`), so ids are identical either way.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { EmbedderError } from '../errors.js';
import { EmbeddingTokenizer } from './embedding-tokenizer.js';

export interface TokenizerWorkerData {
  readonly tokenizerJsonPath: string;
  readonly tokenizerConfigPath: string;
  readonly maxInputTokens: number;
}

export type TokenizerWorkerRequest = {
  readonly id: number;
  readonly texts: readonly string[];
  readonly truncate: boolean;
};

export type TokenizerWorkerResponse =
  | { readonly id: number; readonly sequences: Int32Array[] }
  | {
      readonly id: number;
      readonly error: { readonly name: string; readonly message: string };
    };

const port = parentPort;
if (!port) throw new Error('tokenizer-worker must run in a worker thread');
const data = workerData as TokenizerWorkerData;
const tokenizer = await EmbeddingTokenizer.load(
  data.tokenizerJsonPath,
  data.tokenizerConfigPath,
  data.maxInputTokens,
);
port.on('message', (request: TokenizerWorkerRequest) => {
  try {
    const sequences = request.texts.map((text, index) =>
      tokenizer.encode(text, { truncate: request.truncate }, index),
    );
    port.postMessage({ id: request.id, sequences } satisfies TokenizerWorkerResponse, [
      ...new Set(sequences.map((s) => s.buffer as ArrayBuffer)),
    ]);
  } catch (error) {
    const name = error instanceof EmbedderError ? error.name : 'TokenizationError';
    port.postMessage({
      id: request.id,
      error: { name, message: (error as Error).message },
    } satisfies TokenizerWorkerResponse);
  }
});
port.postMessage({ ready: true });
