import { spawn } from 'node:child_process';
import type {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from '@pulumi/policy';
import { describe, expect, it } from 'vitest';
import type { ManifestObject } from '../../../analysis/reachability/manifest-object.js';
import { policyConfig } from '../../../policy/policy.config.js';
import { EXEMPTIONS_POLICY, meshragPolicies } from '../../../policy/pulumi-policies.js';
import { consumerScaledObject, find, remove, stackObjects } from '../../helpers/policy-fixtures.js';

const DIGEST = `@sha256:${'b'.repeat(64)}`;
const GROUP = 'kubernetes:yaml/v2:ConfigGroup';
const policies = meshragPolicies(policyConfig);

function urn(stack: string, type: string, name: string, parents: string[] = []): string {
  return `urn:pulumi:${stack}::meshrag::${[...parents, type].join('$')}::${name}`;
}

const opts = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

function resourceArgs(
  type: string,
  props: Record<string, unknown>,
  resourceUrn: string,
): ResourceValidationArgs {
  return {
    type,
    props,
    urn: resourceUrn,
    name: resourceUrn.split('::').pop() ?? '',
    opts,
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: (reason?: string) => {
      throw new Error(`not applicable: ${reason}`);
    },
  };
}

function policy<T>(name: string): T {
  const p = policies.find((x) => x.name === name);
  if (p === undefined) throw new Error(`no policy ${name}`);
  return p as T;
}

/** Runs one resource policy through its Pulumi entry point; returns the reported messages. */
async function validateResource(name: string, args: ResourceValidationArgs): Promise<string[]> {
  const messages: string[] = [];
  const validate = policy<ResourceValidationPolicy>(name).validateResource;
  for (const v of [validate].flat()) await v?.(args, (m) => messages.push(m));
  return messages;
}

/** Runs one stack policy through its Pulumi entry point; returns messages with their URNs. */
async function validateStack(
  name: string,
  resources: PolicyResource[],
): Promise<{ message: string; urn?: string }[]> {
  const reported: { message: string; urn?: string }[] = [];
  const args: StackValidationArgs = {
    resources,
    stackTags: new Map(),
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: () => {
      throw new Error('not applicable');
    },
  };
  await policy<StackValidationPolicy>(name).validateStack(args, (message, u) =>
    reported.push({ message, ...(u === undefined ? {} : { urn: u }) }),
  );
  return reported;
}

function stackResource(
  type: string,
  props: Record<string, unknown>,
  resourceUrn: string,
): PolicyResource {
  return {
    ...resourceArgs(type, props, resourceUrn),
    dependencies: [],
    propertyDependencies: {},
  } as unknown as PolicyResource;
}

/** The prod stack as the Pulumi program applies it: ConfigGroups of objects, built images by digest. */
function prodAsPulumiApplies(objects: ManifestObject[] = stackObjects('prod')): PolicyResource[] {
  for (const o of objects.filter((x) => x.kind === 'Deployment' || x.kind === 'StatefulSet')) {
    // biome-ignore lint/suspicious/noExplicitAny: fixture mutation
    const c = (o as any).spec.template.spec.containers[0];
    if (!c.image.includes('chroma')) c.image = `${c.image}${DIGEST}`;
  }
  const workloads = objects.filter((o) =>
    ['Deployment', 'StatefulSet', 'Service', 'HorizontalPodAutoscaler'].includes(o.kind),
  );
  const rest = objects.filter((o) => !workloads.includes(o));
  return [
    stackResource(
      GROUP,
      { objs: rest },
      urn('prod', GROUP, 'meshrag-namespaces', ['meshrag:platform:MeshragPlatform']),
    ),
    stackResource(
      GROUP,
      { objs: workloads },
      urn('prod', GROUP, 'meshrag-services', ['meshrag:platform:MeshragPlatform']),
    ),
  ];
}

describe('Pulumi policy pack', () => {
  it('has one policy per rule, with its level, plus the exemptions listing', () => {
    expect(policies).toHaveLength(23);
    expect(policies.find((p) => p.name === 'workload-probes')?.enforcementLevel).toBe('mandatory');
    expect(policies.find((p) => p.name === EXEMPTIONS_POLICY)?.enforcementLevel).toBe('advisory');
  });

  it('passes a ConfigGroup of prod objects whose built images are pinned by digest', async () => {
    const [namespaces, services] = prodAsPulumiApplies();
    for (const p of policies.filter((x) => 'validateResource' in x)) {
      for (const r of [namespaces, services]) {
        if (r === undefined) continue;
        expect(
          await validateResource(p.name, resourceArgs(r.type, r.props, r.urn)),
          p.name,
        ).toEqual([]);
      }
    }
  });

  it('fails when a ConfigGroup applies a built image by tag on prod, but not on dev', async () => {
    const objs = stackObjects('prod').filter((o) => o.kind === 'Deployment');
    const prod = await validateResource(
      'workload-image-digest',
      resourceArgs(GROUP, { objs }, urn('prod', GROUP, 'services')),
    );
    expect(prod).toEqual([
      expect.stringMatching(
        /Deployment meshrag\/consumer: .*ghcr.io\/meshrag\/consumer:0.1.0' is not pinned by digest/,
      ),
      expect.stringMatching(/embedder/),
    ]);
    const dev = await validateResource(
      'workload-image-digest',
      resourceArgs(GROUP, { objs }, urn('dev', GROUP, 'services')),
    );
    expect(dev).toEqual([]);
  });

  it('fails when a ConfigGroup given as YAML text holds a privileged container', async () => {
    const yaml = `apiVersion: v1
kind: Pod
metadata: { name: debug, namespace: meshrag }
spec:
  containers:
    - name: shell
      image: busybox:1.37
      securityContext: { privileged: true }
`;
    const messages = await validateResource(
      'workload-pod-security-restricted',
      resourceArgs(GROUP, { yaml }, urn('prod', GROUP, 'extra')),
    );
    expect(messages).toContainEqual(
      expect.stringMatching(/Pod meshrag\/debug: container 'shell': privileged: true/),
    );
  });

  it('fails when a typed AuthorizationPolicy names a wildcard principal', async () => {
    const type = 'kubernetes:security.istio.io/v1:AuthorizationPolicy';
    const props = {
      metadata: { name: 'open', namespace: 'meshrag' },
      spec: { rules: [{ from: [{ source: { principals: ['cluster.local/ns/*/sa/*'] } }] }] },
    };
    expect(
      await validateResource(
        'mesh-authz-named-principals',
        resourceArgs(type, props, urn('prod', type, 'open')),
      ),
    ).toEqual([
      expect.stringMatching(
        /AuthorizationPolicy meshrag\/open: rules\[0\].from\[0\] has wildcard principal/,
      ),
    ]);
  });

  it('judges a ConfigGroup child through the group, and leaves Helm chart objects to upstream', async () => {
    const type = 'kubernetes:core/v1:Service';
    const props = {
      metadata: { name: 'unnamed', namespace: 'meshrag' },
      spec: { ports: [{ port: 80 }] },
    };
    const alone = await validateResource(
      'mesh-port-names',
      resourceArgs(type, props, urn('prod', type, 'unnamed')),
    );
    expect(alone).toEqual([
      expect.stringMatching(/Service meshrag\/unnamed: port #0 \(80\) is unnamed/),
    ]);
    const inGroup = await validateResource(
      'mesh-port-names',
      resourceArgs(type, props, urn('prod', type, 'unnamed', [GROUP])),
    );
    const inChart = await validateResource(
      'mesh-port-names',
      resourceArgs(type, props, urn('prod', type, 'unnamed', ['kubernetes:helm.sh/v4:Chart'])),
    );
    expect([inGroup, inChart]).toEqual([[], []]);
  });

  it('passes the whole prod stack through every stack policy', async () => {
    for (const p of policies.filter((x) => 'validateStack' in x && x.name !== EXEMPTIONS_POLICY)) {
      expect(await validateStack(p.name, prodAsPulumiApplies()), p.name).toEqual([]);
    }
  });

  it('fails when the stack loses its default-deny, reported against the ConfigGroup that carries the namespace', async () => {
    const resources = prodAsPulumiApplies(
      remove(stackObjects('prod'), 'NetworkPolicy', 'default-deny', 'meshrag'),
    );
    const reported = await validateStack('network-default-deny', resources);
    expect(reported).toEqual([
      {
        message: expect.stringMatching(
          /Namespace meshrag: namespace meshrag runs workloads but denies no ingress and no egress/,
        ),
        urn: urn('prod', GROUP, 'meshrag-namespaces', ['meshrag:platform:MeshragPlatform']),
      },
    ]);
  });

  it('fails when a typed KEDA ScaledObject scales past its topic, seen alongside ConfigGroup objs', async () => {
    const type = 'kubernetes:keda.sh/v1alpha1:ScaledObject';
    const so = consumerScaledObject(30);
    // In place of the one the stack renders (same name), applied as a typed resource.
    const resources = [
      ...prodAsPulumiApplies(remove(stackObjects('prod'), 'ScaledObject', 'consumer', 'meshrag')),
      stackResource(
        type,
        { metadata: so.metadata, spec: so.spec },
        urn('prod', type, 'consumer-scaler'),
      ),
    ];
    expect(await validateStack('keda-max-replicas-within-partitions', resources)).toEqual([
      {
        message: expect.stringMatching(
          /ScaledObject meshrag\/consumer: maxReplicaCount 30 exceeds the 12 partitions/,
        ),
        urn: urn('prod', type, 'consumer-scaler'),
      },
    ]);
  });

  it('reads children of a ConfigGroup when the group itself shows only outputs (a real engine)', async () => {
    const objects = stackObjects('prod');
    find(objects, 'KafkaTopic', 'documents.parsed').spec.partitions = 2;
    const children = objects.map((o) => {
      const type = `kubernetes:${o.apiVersion.includes('/') ? o.apiVersion : `core/${o.apiVersion}`}:${o.kind}`;
      return stackResource(
        type,
        o as unknown as Record<string, unknown>,
        urn('prod', type, o.metadata.name, [GROUP]),
      );
    });
    const reported = await validateStack('kafka-partitions-cover-consumers', [
      stackResource(GROUP, { resources: [] }, urn('prod', GROUP, 'all')),
      ...children,
    ]);
    expect(reported).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(
          /documents.parsed has 2 partitions but Deployment meshrag\/consumer may run 12/,
        ),
      }),
    ]);
  });

  it('lists every exemption in force on the stack with its reason', async () => {
    const reported = await validateStack(EXEMPTIONS_POLICY, prodAsPulumiApplies());
    expect(reported.map((r) => r.message)).toEqual([
      expect.stringMatching(
        /^exempted from workload-image-digest: StatefulSet meshrag\/chroma: .* Reason: Open item/,
      ),
    ]);
  });

  it('starts its analyzer server when loaded as Pulumi loads a pack (require under tsx)', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '-e', "require('./policy-pack.ts')"],
      { cwd: 'policy' },
    );
    const port = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (/^\d+\n/.test(out)) resolve(out.trim());
      });
      child.stderr.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.on('exit', (code) => reject(new Error(`pack exited ${code}: ${out}`)));
    }).finally(() => child.kill());
    expect(Number(port)).toBeGreaterThan(0);
  }, 60_000);
});
