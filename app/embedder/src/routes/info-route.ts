/**
 * `GET /info`: the model, its limits and where it runs, in TEI's field names where TEI has one,
 * plus the execution provider asked for and the one in use (and why they differ).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Embedder } from '../embedder.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const InfoResponseSchema = Type.Object({
  model_id: Nullable(Type.String()),
  model_dtype: Nullable(Type.String()),
  model_type: Type.Object({ embedding: Type.Object({ pooling: Type.Literal('mean') }) }),
  dimensions: Nullable(Type.Integer()),
  max_input_length: Nullable(Type.Integer()),
  state: Type.String(),
  execution_provider: Type.Object({
    requested: Type.String(),
    active: Nullable(Type.String()),
    fallback_reason: Nullable(Type.String()),
  }),
  /** The inference runtime asked for (`auto`, `onnxruntime`, `openvino`) and the one serving. */
  runtime: Type.Object({
    requested: Type.String(),
    active: Nullable(Type.String()),
    version: Nullable(Type.String()),
    model_file: Nullable(Type.String()),
    /** `fp32`, `int8-static` or `int8-weight-compressed` (OpenVINO's int8). */
    model_variant: Nullable(Type.String()),
    /**
     * OpenVINO's DYNAMIC_QUANTIZATION_GROUP_SIZE for the weight-compressed IR; null for other
     * variants. It takes effect only where `cpu_vnni` is true.
     */
    dynamic_quantization_group_size: Nullable(Type.Integer()),
    /** `avx_vnni` or `avx512_vnni` in /proc/cpuinfo; null where it cannot be read. */
    cpu_vnni: Nullable(Type.Boolean()),
  }),
  intra_op_num_threads: Type.Integer(),
  max_batch_tokens: Type.Integer(),
  max_batch_requests: Type.Integer(),
  max_concurrent_requests: Type.Integer(),
  max_client_batch_size: Type.Integer(),
  auto_truncate: Type.Boolean(),
});

export interface InfoRouteOptions {
  readonly embedder: Embedder;
}

export const infoRoute: FastifyPluginAsyncTypebox<InfoRouteOptions> = async (app, { embedder }) => {
  const schema = { summary: 'Model, limits and execution provider', tags: ['Operations'] };
  app.get('/info', { schema: { ...schema, response: { 200: InfoResponseSchema } } }, async () => {
    const { config } = embedder;
    const info = embedder.info;
    return {
      model_id: info.modelId,
      model_dtype: info.modelPrecision,
      model_type: { embedding: { pooling: 'mean' as const } },
      dimensions: info.dimensions,
      max_input_length: info.maxInputTokens,
      state: embedder.state,
      execution_provider: {
        requested: config.executionProvider,
        active: info.backend?.activeProvider ?? null,
        fallback_reason: info.backend?.fallbackReason ?? null,
      },
      runtime: {
        requested: config.runtime,
        active: info.backend?.runtime ?? null,
        version: info.backend?.runtimeVersion ?? null,
        model_file: info.backend?.modelFile ?? null,
        model_variant: info.backend?.variant ?? null,
        dynamic_quantization_group_size: info.backend?.dynamicQuantizationGroupSize ?? null,
        cpu_vnni: info.backend?.cpuVnni ?? null,
      },
      intra_op_num_threads: info.backend?.intraOpNumThreads ?? config.intraOpNumThreads,
      max_batch_tokens: config.maxBatchTokens,
      max_batch_requests: config.maxBatchRequests,
      max_concurrent_requests: config.maxConcurrentRequests,
      max_client_batch_size: config.maxClientBatchSize,
      auto_truncate: config.autoTruncate,
    };
  });
};
