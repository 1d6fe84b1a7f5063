import { describe, expect, it } from 'vitest';
import type { ServiceDefinition } from '../../../../local/supervisor/service-definition.js';
import { startWaves } from '../../../../local/supervisor/supervisor.js';

function service(name: string, dependsOn: string[] = []): ServiceDefinition {
  return {
    name,
    ports: {},
    endpoint: name,
    command: 'true',
    args: [],
    health: { kind: 'process' },
    dependsOn,
  };
}

describe('startWaves', () => {
  it('starts independent services together and dependants after them', () => {
    const waves = startWaves([
      service('consumer', ['embedder', 'kafka-0', 'chroma']),
      service('kafka-0'),
      service('embedder'),
      service('chroma'),
    ]);
    expect(waves.map((wave) => wave.map((s) => s.name))).toEqual([
      ['kafka-0', 'embedder', 'chroma'],
      ['consumer'],
    ]);
  });

  it('fails when a dependency is unknown, names repeat, or dependencies form a cycle', () => {
    expect(() => startWaves([service('a', ['b'])])).toThrow(
      'service a depends on unknown service b',
    );
    expect(() => startWaves([service('a'), service('a')])).toThrow(
      'service names must be unique: a, a',
    );
    expect(() => startWaves([service('a', ['b']), service('b', ['a'])])).toThrow(
      'services depend on each other in a cycle: a, b',
    );
  });
});
