import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  availableCpus,
  ConfigError,
  envName,
  loadConfig,
} from '../../../../app/embedder/src/config.js';

describe('loadConfig', () => {
  it('applies defaults, with threads from the CPUs available', () => {
    const config = loadConfig({ MESHRAG_EMBEDDER_MODEL_DIR: '/models/minilm' });
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      modelDir: '/models/minilm',
      executionProvider: 'cpu',
      graphOptimizationLevel: 'all',
      maxBatchTokens: 16_384,
      maxBatchRequests: 32,
      maxConcurrentRequests: 512,
      maxClientBatchSize: 128,
      bodyLimitBytes: 2 * 1024 * 1024,
      autoTruncate: true,
      openvinoDynamicQuantizationGroupSize: 32,
    });
    expect(config.intraOpNumThreads).toBe(availableCpus());
  });

  it('reads environment variables and lets flags win over them', () => {
    const config = loadConfig(
      {
        MESHRAG_EMBEDDER_MODEL_DIR: '/m',
        MESHRAG_EMBEDDER_PORT: '9000',
        MESHRAG_EMBEDDER_EXECUTION_PROVIDER: 'cuda',
        MESHRAG_EMBEDDER_AUTO_TRUNCATE: 'false',
        MESHRAG_EMBEDDER_INTRA_OP_NUM_THREADS: '3',
        MESHRAG_EMBEDDER_OPENVINO_DYNAMIC_QUANTIZATION_GROUP_SIZE: '0',
      },
      ['--port', '9100', '--max-batch-tokens', '4096'],
    );
    expect(config).toMatchObject({
      port: 9100,
      executionProvider: 'cuda',
      autoTruncate: false,
      intraOpNumThreads: 3,
      maxBatchTokens: 4096,
      openvinoDynamicQuantizationGroupSize: 0,
    });
  });

  it('names each option by its environment variable', () => {
    expect(envName('maxClientBatchSize')).toBe('MESHRAG_EMBEDDER_MAX_CLIENT_BATCH_SIZE');
  });

  it('fails when values are invalid or missing, listing every problem with its variable and flag', () => {
    const attempt = () =>
      loadConfig({
        MESHRAG_EMBEDDER_PORT: '70000',
        MESHRAG_EMBEDDER_EXECUTION_PROVIDER: 'tpu',
        MESHRAG_EMBEDDER_OPENVINO_DYNAMIC_QUANTIZATION_GROUP_SIZE: '-1',
      });
    expect(attempt).toThrow(ConfigError);
    const message = (() => {
      try {
        attempt();
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(message).toContain('modelDir (MESHRAG_EMBEDDER_MODEL_DIR or --model-dir): is required');
    expect(message).toContain('port (MESHRAG_EMBEDDER_PORT or --port): got 70000');
    expect(message).toContain('expected one of cpu, cuda');
    expect(message).toContain(
      'openvinoDynamicQuantizationGroupSize (MESHRAG_EMBEDDER_OPENVINO_DYNAMIC_QUANTIZATION_GROUP_SIZE or --openvino-dynamic-quantization-group-size): got -1',
    );
  });

  it('fails when a flag is unknown', () => {
    expect(() => loadConfig({}, ['--max-tokens', '5'])).toThrow(/Unknown option/);
  });
});

describe('availableCpus', () => {
  const cpuMax = (content: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'meshrag-cpu-')), 'cpu.max');
    writeFileSync(path, content);
    return path;
  };

  it('caps the thread count at the cgroup CPU quota', () => {
    expect(availableCpus(cpuMax('100000 100000\n'))).toBe(1);
    expect(availableCpus(cpuMax('150000 100000\n'))).toBe(Math.min(2, availableParallelism()));
  });

  it('uses every available CPU without a quota', () => {
    expect(availableCpus(cpuMax('max 100000\n'))).toBe(availableParallelism());
    expect(availableCpus('/nonexistent/cpu.max')).toBe(availableParallelism());
  });
});
