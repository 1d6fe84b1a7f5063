import { stringify } from 'yaml';

/** One object as a YAML document (keys in the order cdk8s wrote them, no line folding). */
export function objectToYaml(object: unknown): string {
  return stringify(object, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Objects as one multi-document YAML stream, byte-identical for identical input. */
export function toYaml(objects: readonly unknown[]): string {
  return objects.map((o) => `---\n${objectToYaml(o)}`).join('');
}
