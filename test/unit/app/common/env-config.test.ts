import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { envName, resolveEnvConfig } from '../../../../app/common/env-config.js';

const Schema = Type.Object(
  {
    url: Type.String({ minLength: 1 }),
    maxBatchTokens: Type.Integer({ minimum: 1, default: 16 }),
    threads: Type.Integer({ minimum: 1 }),
    verbose: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);

const envPrefix = 'MESHRAG_TEST';

describe('envName', () => {
  it('turns a camelCase key into an upper snake case variable under the prefix', () => {
    expect(envName('MESHRAG_TEST', 'maxBatchTokens')).toBe('MESHRAG_TEST_MAX_BATCH_TOKENS');
    expect(envName('MESHRAG_TEST', 'url')).toBe('MESHRAG_TEST_URL');
  });
});

describe('resolveEnvConfig', () => {
  it('reads and converts variables, and fills in schema and computed defaults', () => {
    const result = resolveEnvConfig(Schema, {
      envPrefix,
      env: { MESHRAG_TEST_URL: 'http://x', MESHRAG_TEST_VERBOSE: 'true', OTHER: 'ignored' },
      defaults: { threads: 4 },
    });
    expect(result).toEqual({
      ok: true,
      value: { url: 'http://x', maxBatchTokens: 16, threads: 4, verbose: true },
    });
  });

  it('lets flags win over variables, variables over defaults, and overrides over all', () => {
    const result = resolveEnvConfig(Schema, {
      envPrefix,
      env: { MESHRAG_TEST_URL: 'http://env', MESHRAG_TEST_THREADS: '2' },
      flags: { url: 'http://flag', maxBatchTokens: '32' },
      defaults: { threads: 4, maxBatchTokens: 8 },
      overrides: { maxBatchTokens: 64 },
    });
    expect(result.ok && result.value).toMatchObject({
      url: 'http://flag',
      threads: 2,
      maxBatchTokens: 64,
    });
  });

  it('treats an empty variable as unset', () => {
    const result = resolveEnvConfig(Schema, {
      envPrefix,
      env: {
        MESHRAG_TEST_URL: 'http://x',
        MESHRAG_TEST_THREADS: '',
        MESHRAG_TEST_MAX_BATCH_TOKENS: '',
      },
      defaults: { threads: 4 },
    });
    expect(result.ok && result.value).toMatchObject({ threads: 4, maxBatchTokens: 16 });
  });

  it('fails when keys are missing or invalid, with one problem per key', () => {
    const result = resolveEnvConfig(Schema, {
      envPrefix,
      env: { MESHRAG_TEST_MAX_BATCH_TOKENS: '0', MESHRAG_TEST_THREADS: 'many' },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.key).sort()).toEqual(['maxBatchTokens', 'threads', 'url']);
    expect(new Set(result.problems.map((p) => p.key)).size).toBe(result.problems.length);
    const byKey = Object.fromEntries(result.problems.map((p) => [p.key, p]));
    expect(byKey.url?.given).toBeUndefined();
    expect(byKey.maxBatchTokens?.given).toBe(0);
    expect(byKey.maxBatchTokens?.message).toMatch(/1/);
    expect(byKey.threads?.given).toBe('many');
  });
});
