/**
 * The constructs configure the two services through environment variables; the services read
 * them with their own schemas. An unknown variable is silently ignored by those loaders, so
 * this contract test checks, for every stack, that each MESHRAG_* variable a Deployment sets is
 * one its service reads, and that the service accepts the whole set.
 */
import { describe, expect, it } from 'vitest';
import {
  ConsumerConfigSchema,
  envName as consumerEnvName,
  loadConsumerConfig,
} from '../../../app/consumer/src/config.js';
import {
  EmbedderConfigSchema,
  envName as embedderEnvName,
  loadConfig as loadEmbedderConfig,
} from '../../../app/embedder/src/config.js';
import { type RenderedObject, renderStack } from '../../../constructs/render/render-stack.js';
import { getStack, stackNames } from '../../../stacks/stack-registry.js';

interface EnvVar {
  readonly name: string;
  readonly value?: string;
}

function containerEnv(objects: readonly RenderedObject[], deployment: string): EnvVar[] {
  const found = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === deployment);
  if (!found) throw new Error(`no Deployment named ${deployment}`);
  const spec = found.spec as {
    template: { spec: { containers: { name: string; env?: EnvVar[] }[] } };
  };
  const container = spec.template.spec.containers[0];
  return container?.env ?? [];
}

function literalEnv(vars: readonly EnvVar[], prefix: string): Record<string, string> {
  return Object.fromEntries(
    vars
      .filter((v) => v.name.startsWith(prefix) && v.value !== undefined)
      .map((v) => [v.name, v.value as string]),
  );
}

describe.each(stackNames)('stack %s: workload configuration', (stack) => {
  const { objects } = renderStack(getStack(stack));

  it('sets only consumer variables the consumer reads, and the consumer accepts them', () => {
    const env = literalEnv(containerEnv(objects, 'consumer'), 'MESHRAG_CONSUMER_');
    const known = new Set(
      Object.keys(ConsumerConfigSchema.properties).map((key) =>
        consumerEnvName(key as keyof typeof ConsumerConfigSchema.properties),
      ),
    );
    expect(Object.keys(env).filter((name) => !known.has(name))).toEqual([]);
    const config = loadConsumerConfig(env);
    expect(config.kafkaTlsCaFile).toMatch(/ca\.crt$/);
    expect(config.kafkaTlsCertFile).toMatch(/user\.crt$/);
    expect(config.kafkaTlsKeyFile).toMatch(/user\.key$/);
    expect(config.kafkaBrokers).toMatch(/:9093$/);
  });

  it('sets only embedder variables the embedder reads, and the embedder accepts them', () => {
    const env = literalEnv(containerEnv(objects, 'embedder'), 'MESHRAG_EMBEDDER_');
    const known = new Set(
      Object.keys(EmbedderConfigSchema.properties).map((key) =>
        embedderEnvName(key as keyof typeof EmbedderConfigSchema.properties),
      ),
    );
    expect(Object.keys(env).filter((name) => !known.has(name))).toEqual([]);
    expect(() => loadEmbedderConfig(env)).not.toThrow();
  });
});
