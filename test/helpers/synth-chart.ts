/** Builds constructs in a fresh chart and returns what they synthesize. */
import { Chart, Testing } from 'cdk8s';
import type { ManifestObject } from './manifest-schemas.js';

/** A rendered object; tests read deep into it, so its fields are loosely typed. */
export interface SynthObject extends ManifestObject {
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    // biome-ignore lint/suspicious/noExplicitAny: assertions walk arbitrary rendered JSON
    readonly [key: string]: any;
  };
  // biome-ignore lint/suspicious/noExplicitAny: assertions walk arbitrary rendered JSON
  readonly [key: string]: any;
}

export function synthChart(build: (chart: Chart) => void): SynthObject[] {
  const chart = new Chart(Testing.app(), 'test', { disableResourceNameHashes: true });
  build(chart);
  return Testing.synth(chart) as SynthObject[];
}

/** The one object of a kind and name, or a thrown error listing what exists. */
export function findObject(
  objects: readonly SynthObject[],
  kind: string,
  name: string,
  namespace?: string,
): SynthObject {
  const found = objects.filter(
    (o) =>
      o.kind === kind &&
      o.metadata.name === name &&
      (namespace === undefined || o.metadata.namespace === namespace),
  );
  if (found.length !== 1) {
    const have = objects
      .map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`)
      .join(', ');
    throw new Error(`expected one ${kind} ${name}, found ${found.length} among: ${have}`);
  }
  return found[0] as SynthObject;
}

export function objectsOfKind(objects: readonly SynthObject[], kind: string): SynthObject[] {
  return objects.filter((o) => o.kind === kind);
}
