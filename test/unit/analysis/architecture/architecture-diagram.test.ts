import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { architectureDot } from '../../../../analysis/architecture/architecture-diagram.js';
import { architectureOfStack } from '../../../../cli/commands/graph.js';
import { renderStack } from '../../../../constructs/render/render-stack.js';
import { getStack } from '../../../../stacks/stack-registry.js';

const dotOf = (stack: string) => {
  const { objects, grants } = renderStack(getStack(stack));
  return architectureDot({ title: stack, objects: objects as never, grants });
};

describe('architecture diagram', { timeout: 60_000 }, () => {
  it('is committed as docs/architecture-prod.svg exactly as `meshrag graph --architecture` draws it now', async () => {
    // Regenerate: npx meshrag graph --stack prod --architecture --out docs/architecture-prod.svg
    expect(readFileSync('docs/architecture-prod.svg', 'utf8')).toBe(
      await architectureOfStack('prod'),
    );
  });

  it('draws namespaces, the GPU pool, Kafka pools and topics, Chroma and Istio from the rendered prod stack', () => {
    const dot = dotOf('prod');
    expect(dot).toContain('namespace meshrag (Istio sidecars)');
    expect(dot).toContain('namespace kafka (out of the mesh)');
    expect(dot).toContain('on the GPU node pool: 1 nvidia.com/gpu each');
    expect(dot).toContain('Kafka 4.3.1 brokers ×3');
    expect(dot).toContain('documents.parsed (12p ×3)');
    expect(dot).toContain('persistent volume');
    expect(dot).toContain('mesh-wide STRICT mTLS');
  });

  it('draws one arrow per grantee and target, for every grant (producers and readers included)', () => {
    const { grants } = renderStack(getStack('dev'));
    const dot = dotOf('dev');
    const arrows = dot.split('\n').filter((l) => l.includes(' -> '));
    const pairs = new Set(
      grants.map((g) => {
        const [, , ns, , sa] = g.grantee.split('/');
        const to =
          g.kind === 'kafka'
            ? `kafka:kafka/${g.cluster}`
            : `${g.target.namespace}/${g.target.workload}`;
        return `${ns}|${sa}|${to}`;
      }),
    );
    expect(arrows).toHaveLength(pairs.size);
    expect(dot).toContain(
      '"ingest-demo/sa:example-parser" -> "kafka:kafka/meshrag" [label="Describe/Write documents.parsed\\l"]',
    );
    expect(dot).toContain(
      '"rag-demo/sa:example-rag" -> "meshrag/embedder" [label="POST /embed\\l"]',
    );
  });
});
