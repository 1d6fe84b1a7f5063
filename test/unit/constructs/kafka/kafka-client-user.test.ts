import { describe, expect, it } from 'vitest';
import { KafkaClientUser } from '../../../../constructs/kafka/kafka-client-user.js';
import { MeshIdentity } from '../../../../constructs/mesh/mesh-identity.js';
import { kafkaFixture } from '../../../helpers/kafka-fixture.js';
import { validateManifest } from '../../../helpers/manifest-schemas.js';
import { findObject, synthChart } from '../../../helpers/synth-chart.js';

describe('KafkaClientUser', { timeout: 30_000 }, () => {
  it('is a tls KafkaUser with simple authorization and no ACLs until granted', () => {
    const objects = synthChart((chart) => {
      const { apps, kafka } = kafkaFixture(chart);
      const identity = new MeshIdentity(chart, 'Id', { namespace: apps, name: 'reader' });
      const user = new KafkaClientUser(chart, 'User', { cluster: kafka, identity });
      expect(user.secretName).toBe('reader');
    });

    const user = findObject(objects, 'KafkaUser', 'reader', 'apps');
    expect(user.metadata.labels['strimzi.io/cluster']).toBe('meshrag');
    expect(user.metadata.annotations).toEqual({
      'meshrag.io/mesh-principal': 'cluster.local/ns/apps/sa/reader',
    });
    expect(user.spec).toEqual({
      authentication: { type: 'tls' },
      authorization: { type: 'simple', acls: [] },
    });
    expect(validateManifest(user)).toEqual([]);
  });

  it('fails when the workload runs outside the namespace the User Operator writes Secrets to', () => {
    expect(() =>
      synthChart((chart) => {
        const { kafkaNs, kafka } = kafkaFixture(chart);
        const identity = new MeshIdentity(chart, 'Id', { namespace: kafkaNs, name: 'reader' });
        new KafkaClientUser(chart, 'User', { cluster: kafka, identity });
      }),
    ).toThrow(/runs in 'kafka' but the User Operator writes Secrets to 'apps'/);
  });
});
