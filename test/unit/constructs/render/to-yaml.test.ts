import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { objectToYaml, toYaml } from '../../../../constructs/render/to-yaml.js';

describe('toYaml', () => {
  it('writes one document per object, keys in the order given, and reads back equal', () => {
    const objects = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } },
      {
        kind: 'X',
        apiVersion: 'v1',
        metadata: { name: 'b', annotations: { long: 'x'.repeat(200) } },
        spec: { on: 'false' },
      },
    ];
    const text = toYaml(objects);

    expect(text.startsWith('---\napiVersion: v1\nkind: Namespace\n')).toBe(true);
    expect(parseAllDocuments(text).map((d) => d.toJS())).toEqual(objects);
    expect(objectToYaml(objects[1])).toContain(`long: ${'x'.repeat(200)}\n`);
    expect(objectToYaml({ v: 'false' })).toBe('v: "false"\n');
  });

  it('writes an empty stream for no objects', () => {
    expect(toYaml([])).toBe('');
  });
});
