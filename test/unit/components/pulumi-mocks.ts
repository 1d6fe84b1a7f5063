/**
 * Pulumi mocks that record every registered resource with its inputs, parent and explicit
 * dependencies (read from the register request, which the mocks API does not expose). Call
 * {@link installMocks} before importing the module under test.
 */
import * as pulumi from '@pulumi/pulumi';

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  // biome-ignore lint/suspicious/noExplicitAny: inputs are whatever the resource was given
  readonly inputs: any;
  /** Set on reads (`Resource.get`). */
  readonly id?: string;
  readonly urn: string;
  readonly parentUrn: string;
  readonly dependencies: readonly string[];
}

/** How a secret input reaches the mocks: `{ [SECRET_SIG]: SECRET_VALUE_SIG, value }`. */
export const SECRET_SIG = '4dabf18193072939515e22adb298388d';
export const SECRET_VALUE_SIG = '1b47061264138c4ac30d75fd1eb44270';

export const FAKE_DIGEST = `sha256:${'a'.repeat(64)}`;
export const FAKE_CA = Buffer.from('-----BEGIN CERTIFICATE-----\nfake\n').toString('base64');

/** What Strimzi's User Operator writes for a `tls` KafkaUser, with fake values naming the Secret. */
export function fakeUserSecret(id: string): Record<string, string> {
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  return {
    'ca.crt': b64(`clients-ca of ${id}`),
    'user.crt': b64(`cert of ${id}`),
    'user.key': b64(`key of ${id}`),
    'user.p12': b64(`p12 of ${id}`),
    'user.password': b64(`password of ${id}`),
    'extra.key': b64('not copied'),
  };
}

export function installMocks(stack = 'dev'): RecordedResource[] {
  const recorded: RecordedResource[] = [];
  const pending = new Map<string, { parentUrn: string; dependencies: string[] }>();
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === 'docker-build:index:Image') state.digest = FAKE_DIGEST;
        if (args.type === 'aws:ecr/repository:Repository') {
          state.repositoryUrl = `123456789012.dkr.ecr.us-east-1.amazonaws.com/${args.inputs.name}`;
          state.registryId = '123456789012';
        }
        if (args.type === 'eks:index:Cluster') state.kubeconfigJson = '{"kind":"Config"}';
        if (args.type === 'aws:iam/role:Role')
          state.arn = `arn:aws:iam::123456789012:role/${args.name}`;
        if (args.type === 'kubernetes:core/v1:Secret' && args.id)
          state.data = args.id.endsWith('-cluster-ca-cert')
            ? { 'ca.crt': FAKE_CA }
            : fakeUserSecret(args.id);
        if (args.type === 'kubernetes:yaml/v2:ConfigGroup') state.resources = [];
        const key = `${args.type}::${args.name}`;
        const extra = pending.get(key) ?? { parentUrn: '', dependencies: [] };
        recorded.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs,
          ...(args.id ? { id: args.id } : {}),
          urn: '',
          ...extra,
        });
        return { id: args.id || `${args.name}-id`, state };
      },
      call(args) {
        if (args.token === 'aws:ecr/getAuthorizationToken:getAuthorizationToken') {
          return { userName: 'AWS', password: 'ecr-password', proxyEndpoint: 'https://ecr' };
        }
        if (args.token === 'aws:index/getAvailabilityZones:getAvailabilityZones') {
          return { names: ['us-east-1a', 'us-east-1b', 'us-east-1c'] };
        }
        return args.inputs;
      },
    },
    'meshrag',
    stack,
    false,
  );
  // The register requests carry parent and dependencies; remember them by type and name.
  // biome-ignore lint/suspicious/noExplicitAny: the mock monitor's request objects are protobufs
  const monitor = pulumi.runtime.getMonitor() as any;
  for (const method of ['registerResource', 'readResource'] as const) {
    const original = monitor[method].bind(monitor);
    // biome-ignore lint/suspicious/noExplicitAny: protobuf request and callback
    monitor[method] = (req: any, callback: any) => {
      pending.set(`${req.getType()}::${req.getName()}`, {
        parentUrn: req.getParent() ?? '',
        dependencies: req.getDependenciesList?.() ?? [],
      });
      return original(req, callback);
    };
  }
  return recorded;
}

/**
 * Resolves once no resource has been registered for 300 ms: registrations that wait on other
 * resources' outputs (the `services` group waits on image digests) arrive a few ticks later,
 * and a loaded machine stretches those ticks.
 */
export async function settle(recorded: readonly unknown[]): Promise<void> {
  let last = -1;
  while (last !== recorded.length) {
    last = recorded.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** The value of an output (undefined when unknown). */
export function resolved<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/** The recorded resource of a type and name, or an error listing what was recorded. */
export function find(
  recorded: readonly RecordedResource[],
  type: string,
  name: string,
): RecordedResource {
  const r = recorded.find((x) => x.type === type && x.name === name);
  if (r === undefined) {
    throw new Error(
      `no ${type} '${name}' among ${recorded.map((x) => `${x.type}::${x.name}`).join(', ')}`,
    );
  }
  return r;
}

/** The type at the end of a URN's type chain of the parent, e.g. `meshrag:mesh:IstioMesh`. */
export function parentType(r: RecordedResource): string {
  const qualified = r.parentUrn.split('::')[2] ?? '';
  return qualified.split('$').pop() ?? '';
}
