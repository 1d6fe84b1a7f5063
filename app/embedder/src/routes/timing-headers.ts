/**
 * TEI's timing headers, so dashboards and clients built for TEI read ours: milliseconds spent
 * tokenizing, queued, in the model, and in total, plus the tokens computed.
 */
import type { FastifyReply } from 'fastify';
import type { EmbedResult } from '../embedder.js';

export function setTimingHeaders(
  reply: FastifyReply,
  result: EmbedResult,
  startedAt: number,
  /** The execution provider that ran the model. */
  computeType: string,
): void {
  reply.headers({
    'x-compute-type': computeType,
    'x-compute-tokens': String(result.promptTokens),
    'x-tokenization-time': String(Math.round(result.tokenizationMs)),
    'x-queue-time': String(Math.round(result.queueMs)),
    'x-inference-time': String(Math.round(result.inferenceMs)),
    'x-total-time': String(Math.round(performance.now() - startedAt)),
  });
}
