import { describe, expect, it } from 'vitest';
import { find, installMocks, resolved, settle } from '../components/pulumi-mocks.js';

const recorded = installMocks('acme');
const { tenantPipeline } = await import('../../../examples/tenant-pipeline/tenant-pipeline.js');

const EMBEDDER = `ghcr.io/acme/meshrag-embedder@sha256:${'e'.repeat(64)}`;
const CONSUMER = `ghcr.io/acme/meshrag-consumer@sha256:${'f'.repeat(64)}`;

// Renders whole stacks and waits for registrations: room for a loaded machine.
describe('examples/tenant-pipeline', { timeout: 60_000 }, () => {
  it('deploys the pipeline under the tenant’s names with its images', async () => {
    const out = tenantPipeline({
      tenant: 'acme',
      images: { embedder: EMBEDDER, consumer: CONSUMER },
    });
    await settle(recorded);
    expect(await resolved(out.namespaces)).toEqual({ app: 'acme', kafka: 'acme-kafka' });
    expect(await resolved(out.kafkaBootstrap)).toBe('acme-kafka-bootstrap.acme-kafka.svc:9093');
    const namespaces = find(recorded, 'kubernetes:yaml/v2:ConfigGroup', 'acme-namespaces').inputs
      .objs;
    expect(
      namespaces
        .filter((o: { kind: string }) => o.kind === 'Namespace')
        .map((o: { metadata: { name: string } }) => o.metadata.name),
    ).toEqual(['acme', 'acme-kafka']);
    const services = find(recorded, 'kubernetes:yaml/v2:ConfigGroup', 'acme-services').inputs.objs;
    expect(
      services
        .map(
          (d: { spec: { template: { spec: { containers: { image: string }[] } } } }) =>
            d.spec.template.spec.containers[0]?.image,
        )
        .sort(),
    ).toEqual([CONSUMER, EMBEDDER]);
    expect(
      find(recorded, 'kubernetes:core/v1:Secret', 'acme-cluster-ca').inputs.metadata,
    ).toMatchObject({
      name: 'acme-cluster-ca-cert',
      namespace: 'acme',
    });
    expect(
      find(recorded, 'kubernetes:helm.sh/v4:Chart', 'acme-strimzi').inputs.values.watchNamespaces,
    ).toEqual(['acme']);
  });
});
