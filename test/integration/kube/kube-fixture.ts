/**
 * A real Kubernetes API server (etcd, kube-apiserver, kube-controller-manager; no kubelet) per
 * test file, and kubectl helpers that apply rendered objects the way a deploy does: server-side
 * apply with strict field validation, so an unknown field or a rejected value fails the test.
 */
import { inject } from 'vitest';
import { objectToYaml } from '../../../constructs/render/to-yaml.js';
import { resolveCachePaths } from '../../../local/cache-paths.js';
import {
  type KubeApiServer,
  type KubectlResult,
  startKubeApiServer,
} from '../../../local/kube-apiserver/kube-api-server.js';
import { consoleReporter } from '../../../local/reporter.js';
import type { ManifestObject } from '../../helpers/manifest-schemas.js';

/** One field manager for every apply and diff, as one deploy tool would have. */
export const FIELD_MANAGER = 'meshrag-test';

export function startTestKube(): Promise<KubeApiServer> {
  return startKubeApiServer({
    paths: resolveCachePaths({ cacheDir: inject('cacheDir') }),
    reporter: consoleReporter(process.stderr, 'meshrag(kube)'),
  });
}

/** Objects as one YAML stream for `kubectl -f -`. */
export function yamlStream(objects: readonly ManifestObject[]): string {
  return objects.map((o) => `---\n${objectToYaml(o)}`).join('');
}

/** Runs kubectl and throws with its output unless it exits 0. */
export async function kubectlOk(
  kube: KubeApiServer,
  args: readonly string[],
  input?: string,
): Promise<KubectlResult> {
  const result = await kube.kubectl(args, input === undefined ? {} : { input });
  if (result.code !== 0) {
    throw new Error(
      `kubectl ${args.join(' ')} exited ${result.code}:\n${result.stderr}\n${result.stdout}`,
    );
  }
  return result;
}

const APPLY = ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--validate=strict'];

/** `kubectl apply --server-side --dry-run=server`: what a Pulumi preview asks the server. */
export function applyDryRun(kube: KubeApiServer, objects: readonly ManifestObject[]) {
  return kube.kubectl([...APPLY, '--dry-run=server', '-f', '-'], { input: yamlStream(objects) });
}

/** `kubectl apply --server-side`, for real. */
export function apply(kube: KubeApiServer, objects: readonly ManifestObject[]) {
  return kube.kubectl([...APPLY, '-f', '-'], { input: yamlStream(objects) });
}

/** `kubectl diff --server-side`: exit 0 and no output when the live objects match. */
export function diff(kube: KubeApiServer, objects: readonly ManifestObject[]) {
  return kube.kubectl(['diff', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', '-'], {
    input: yamlStream(objects),
  });
}

/** One line per object as kubectl prints it after an apply: `kind.group/name`. */
export function appliedLines(result: KubectlResult): string[] {
  return result.stdout.split('\n').filter((line) => line.trim() !== '');
}
