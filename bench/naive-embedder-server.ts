/**
 * The seed design's embedder, kept as the benchmark's baseline: a minimal fastify server that
 * tokenizes and runs the model once per request, on the event loop, with no queue and no
 * batching. Same tokenizer, session options and pooling as the real service.
 * Run: `node --import tsx bench/naive-embedder-server.ts <modelDir> <port> <threads>`.
 */
import { join } from 'node:path';
import Fastify from 'fastify';
import { l2Normalize } from '../app/embedder/src/backend/mean-pooling.js';
import { OnnxModel } from '../app/embedder/src/backend/onnx-model.js';
import { EmbeddingTokenizer } from '../app/embedder/src/tokenization/embedding-tokenizer.js';

const [modelDir = '', port = '0', threads = '1'] = process.argv.slice(2);
const model = await OnnxModel.load(join(modelDir, 'model.onnx'), {
  intraOpNumThreads: Number(threads),
});
const tokenizer = await EmbeddingTokenizer.load(
  join(modelDir, 'tokenizer.json'),
  join(modelDir, 'tokenizer_config.json'),
  256,
);
const app = Fastify();
app.post<{ Body: { inputs: string | string[] } }>('/embed', async (request) => {
  const inputs =
    typeof request.body.inputs === 'string' ? [request.body.inputs] : request.body.inputs;
  const vectors = await model.embed(
    inputs.map((text) => tokenizer.encode(text, { truncate: true })),
  );
  return vectors.map((vector) => Array.from(l2Normalize(vector)));
});
const url = await app.listen({ host: '127.0.0.1', port: Number(port) });
process.stdout.write(`listening ${url}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => model.close());
});
