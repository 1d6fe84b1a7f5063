import { describe, expect, it } from 'vitest';
import { ChromaDb, type ChromaDbProps } from '../../../../constructs/chroma/chroma-db.js';
import { collectGrants } from '../../../../constructs/grants/grant.js';
import { MeshIdentity } from '../../../../constructs/mesh/mesh-identity.js';
import { MeshNamespace } from '../../../../constructs/mesh/mesh-namespace.js';
import { validateManifest } from '../../../helpers/manifest-schemas.js';
import { findObject, synthChart } from '../../../helpers/synth-chart.js';

function chroma(
  props: Partial<ChromaDbProps> = {},
  build?: (c: ChromaDb, ns: MeshNamespace) => void,
) {
  return synthChart((chart) => {
    const ns = new MeshNamespace(chart, 'Ns', { name: 'apps' });
    const c = new ChromaDb(chart, 'Chroma', {
      namespace: ns,
      image: 'chromadb/chroma:1.0.0',
      ...props,
    });
    build?.(c, ns);
  });
}

describe('ChromaDb', { timeout: 30_000 }, () => {
  it('is a single-replica StatefulSet with its data on a PersistentVolumeClaim', () => {
    const objects = chroma({ storageGiB: 50, storageClassName: 'gp3' });
    const sts = findObject(objects, 'StatefulSet', 'chroma', 'apps');

    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.serviceName).toBe('chroma');
    expect(sts.spec.volumeClaimTemplates).toEqual([
      {
        metadata: { name: 'data' },
        spec: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '50Gi' } },
          storageClassName: 'gp3',
        },
      },
    ]);
    const container = sts.spec.template.spec.containers[0];
    expect(container.volumeMounts).toContainEqual({ mountPath: '/data', name: 'data' });
    expect(container.args).toEqual([
      'run',
      '--host',
      '0.0.0.0',
      '--port',
      '8000',
      '--path',
      '/data',
    ]);
    for (const o of objects) expect(validateManifest(o)).toEqual([]);
  });

  it('renders the claim the StatefulSet adopts by name, sized like the template at first', () => {
    const objects = chroma({ storageGiB: 50, storageClassName: 'gp3' });

    expect(findObject(objects, 'PersistentVolumeClaim', 'data-chroma-0', 'apps').spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '50Gi' } },
      storageClassName: 'gp3',
      volumeMode: 'Filesystem',
    });
  });

  it('grows the claim and keeps the immutable claim template at the size it was created with', () => {
    const objects = chroma({
      storageGiB: 80,
      initialStorageGiB: 50,
      storageClassName: 'gp3',
      storageClassAllowsExpansion: true,
    });

    expect(
      findObject(objects, 'StatefulSet', 'chroma').spec.volumeClaimTemplates[0].spec.resources,
    ).toEqual({ requests: { storage: '50Gi' } });
    expect(findObject(objects, 'PersistentVolumeClaim', 'data-chroma-0').spec.resources).toEqual({
      requests: { storage: '80Gi' },
    });
    for (const o of objects) expect(validateManifest(o)).toEqual([]);
  });

  it('fails when asked to shrink the volume, saying how to move to a smaller one', () => {
    expect(() =>
      chroma({ storageGiB: 20, initialStorageGiB: 50, storageClassAllowsExpansion: true }),
    ).toThrow(
      'ChromaDb storageGiB (20) is smaller than initialStorageGiB (50): a PersistentVolumeClaim ' +
        'cannot shrink. Keep storageGiB at 50 or more, or move the data to a new volume: back ' +
        'up the collections, delete the StatefulSet chroma and the PersistentVolumeClaim ' +
        'data-chroma-0, deploy with initialStorageGiB and storageGiB both set to the new size, ' +
        'and restore',
    );
  });

  it('fails when growing on a storage class not declared expandable', () => {
    expect(() =>
      chroma({ storageGiB: 80, initialStorageGiB: 50, storageClassName: 'gp3' }),
    ).toThrow(
      'ChromaDb storageGiB (80) is larger than initialStorageGiB (50), which grows the claim ' +
        'data-chroma-0 in place, but the storage class (gp3) is not declared expandable. If its ' +
        'StorageClass has allowVolumeExpansion: true, set storageClassAllowsExpansion: true; ' +
        'otherwise keep storageGiB at 50, or move the data to a new volume',
    );
    expect(() => chroma({ storageGiB: 80, initialStorageGiB: 50 })).toThrow(
      "the storage class (the cluster's default storage class) is not declared expandable",
    );
  });

  it('probes /api/v2/heartbeat, serves http-chroma on 8000 and runs restricted', () => {
    const objects = chroma();
    const pod = findObject(objects, 'StatefulSet', 'chroma').spec.template.spec;
    const container = pod.containers[0];

    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(container[probe].httpGet).toMatchObject({ path: '/api/v2/heartbeat', port: 8000 });
    }
    expect(findObject(objects, 'Service', 'chroma').spec.ports).toEqual([
      { name: 'http-chroma', port: 8000, targetPort: 8000 },
    ]);
    expect(container.resources).toEqual({
      limits: { memory: '2048Mi' },
      requests: { cpu: '250m', memory: '512Mi' },
    });
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    });
    expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(pod.serviceAccountName).toBe('chroma');
  });

  it('grants index-write as exactly the requests the consumer sends, no deletes of collections or tenants', () => {
    const objects = chroma({}, (c, ns) => {
      const client = new MeshIdentity(c, 'Client', { namespace: ns, name: 'indexer' });
      c.grantIndexWrite(client);
      const db = '/api/v2/tenants/default_tenant/databases/default_database';
      expect(collectGrants(c)).toEqual([
        {
          kind: 'http',
          grantee: 'cluster.local/ns/apps/sa/indexer',
          target: { namespace: 'apps', workload: 'chroma', port: 8000 },
          operations: [
            { methods: ['GET'], paths: ['/api/v2/pre-flight-checks'] },
            { methods: ['POST'], paths: [`${db}/collections`] },
            {
              methods: ['POST'],
              paths: [
                `${db}/collections/{*}/get`,
                `${db}/collections/{*}/upsert`,
                `${db}/collections/{*}/delete`,
              ],
            },
          ],
        },
      ]);
    });
    const policy = findObject(objects, 'AuthorizationPolicy', 'chroma-index-indexer');
    const operations = policy.spec.rules[0].to.map((t: { operation: unknown }) => t.operation);
    for (const o of operations) {
      expect(o.ports).toEqual(['8000']);
      expect(o.methods).not.toContain('DELETE');
      expect(o.methods).not.toContain('PUT');
    }
    for (const o of objects) expect(validateManifest(o)).toEqual([]);
  });

  it('grants query as a name lookup of one collection plus query and get, read-only', () => {
    chroma({}, (c, ns) => {
      const app = new MeshIdentity(c, 'App', { namespace: ns, name: 'rag' });
      c.grantQuery(app, { collection: 'docs', tenant: 'acme', database: 'kb' });
      const db = '/api/v2/tenants/acme/databases/kb';
      expect(collectGrants(c)).toEqual([
        {
          kind: 'http',
          grantee: 'cluster.local/ns/apps/sa/rag',
          target: { namespace: 'apps', workload: 'chroma', port: 8000 },
          operations: [
            { methods: ['GET'], paths: [`${db}/collections/docs`] },
            {
              methods: ['POST'],
              paths: [`${db}/collections/{*}/query`, `${db}/collections/{*}/get`],
            },
          ],
        },
      ]);
    });
  });

  it('fails when a query grant asks for a write', () => {
    for (const op of ['upsert', 'add', 'delete', 'update']) {
      expect(() =>
        chroma({}, (c, ns) => {
          c.grantQuery(new MeshIdentity(c, 'App', { namespace: ns, name: 'rag' }), {
            operations: ['query', op],
          });
        }),
      ).toThrow(new RegExp(`asks for '${op}'; a query grant is read-only`));
    }
  });

  it('fails when a collection, tenant or database name would widen the path', () => {
    for (const options of [{ collection: '*' }, { tenant: 'a/b' }, { database: '{*}' }]) {
      expect(() =>
        chroma({}, (c, ns) => {
          c.grantQuery(new MeshIdentity(c, 'App', { namespace: ns, name: 'rag' }), options);
        }),
      ).toThrow(/name '.*' must be 2-128 letters/);
    }
  });

  it('fails when the storage size is not a positive whole number of GiB', () => {
    expect(() => chroma({ storageGiB: 0 })).toThrow(
      /storageGiB must be a whole number >= 1, got 0/,
    );
    expect(() => chroma({ storageGiB: 1.5 })).toThrow(/storageGiB/);
    expect(() => chroma({ initialStorageGiB: 0 })).toThrow(
      /initialStorageGiB must be a whole number >= 1, got 0/,
    );
  });

  it('fails when the image is not pinned or the name is invalid', () => {
    expect(() => chroma({ image: 'chromadb/chroma' })).toThrow(
      /ChromaDb image 'chromadb\/chroma' is not a pinned image reference/,
    );
    expect(() => chroma({ name: 'chroma_db' })).toThrow(/ChromaDb name 'chroma_db'/);
  });

  it('fails when the port is out of range', () => {
    expect(() => chroma({ port: 70000 })).toThrow(
      /port http-chroma must be a whole number between 1 and 65535/,
    );
  });
});
