import { describe, expect, it } from 'vitest';
import {
  FAKE_DIGEST,
  find,
  installMocks,
  parentType,
  resolved,
  SECRET_SIG,
  settle,
} from './pulumi-mocks.js';

const recorded = installMocks('staging');
const { ServiceImage } = await import('../../../components/service-image.js');

// Renders whole stacks and waits for registrations: room for a loaded machine.
describe('ServiceImage', { timeout: 60_000 }, () => {
  it('builds and pushes to a new ECR repository and refers to the image by digest', async () => {
    const image = new ServiceImage('embedder', {
      build: {
        context: '/repo',
        dockerfile: '/repo/app/embedder/Dockerfile',
        target: 'runtime-cuda',
        registry: 'ecr',
        repository: 'meshrag-embedder',
      },
    });
    await settle(recorded);
    const url = '123456789012.dkr.ecr.us-east-1.amazonaws.com/meshrag-embedder';
    expect(await resolved(image.ref)).toBe(`${url}@${FAKE_DIGEST}`);
    expect(await resolved(image.digest)).toBe(FAKE_DIGEST);
    const build = find(recorded, 'docker-build:index:Image', 'embedder-image');
    expect(build.inputs).toMatchObject({
      context: { location: '/repo' },
      dockerfile: { location: '/repo/app/embedder/Dockerfile' },
      target: 'runtime-cuda',
      push: true,
      platforms: ['linux/amd64'],
      tags: [`${url}:staging`],
    });
    // The ECR password is secret, which makes the whole registries input secret.
    expect(build.inputs.registries[SECRET_SIG]).toBeDefined();
    expect(build.inputs.registries.value).toEqual([
      {
        address: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
        username: 'AWS',
        password: 'ecr-password',
      },
    ]);
    expect(parentType(build)).toBe('meshrag:image:ServiceImage');
    expect(parentType(find(recorded, 'aws:ecr/repository:Repository', 'embedder-repository'))).toBe(
      'meshrag:image:ServiceImage',
    );
  });

  it('passes a prebuilt reference through, with its digest, building nothing', async () => {
    const ref = `ghcr.io/acme/consumer@${FAKE_DIGEST}`;
    const image = new ServiceImage('consumer', { imageRef: ref });
    expect(await resolved(image.ref)).toBe(ref);
    expect(await resolved(image.digest)).toBe(FAKE_DIGEST);
    await settle(recorded);
    expect(recorded.filter((r) => r.name.startsWith('consumer-'))).toEqual([]);
  });

  it('fails when a prebuilt reference is not pinned', () => {
    expect(() => new ServiceImage('latest', { imageRef: 'ghcr.io/acme/consumer:latest' })).toThrow(
      /ServiceImage latest imageRef 'ghcr.io\/acme\/consumer:latest' is not a pinned image reference/,
    );
    expect(() => new ServiceImage('none', {})).toThrow(
      "ServiceImage none: give exactly one of 'build'",
    );
  });
});
