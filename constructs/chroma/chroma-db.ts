import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { addPodDisruptionBudget } from '../common/disruption.js';
import { envVariables } from '../common/env-variables.js';
import { commonLabels, selectorLabels } from '../common/labels.js';
import {
  addPodSeccompProfile,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
} from '../common/pod-security.js';
import {
  validateDns1123Label,
  validateImageReference,
  validateInteger,
} from '../common/validate.js';
import { validateWorkloadPort, type WorkloadPort } from '../common/workload-port.js';
import {
  toContainerResources,
  validateWorkloadResources,
  type WorkloadResources,
} from '../common/workload-resources.js';
import { HttpGrant } from '../grants/http-grant.js';
import { type IMeshIdentity, MeshIdentity } from '../mesh/mesh-identity.js';
import type { IMeshNamespace } from '../mesh/mesh-namespace.js';
import type { IMeshWorkload } from '../mesh/mesh-workload.js';

export interface ChromaDbProps {
  readonly namespace: IMeshNamespace;
  /** Chroma server image (1.x, whose entrypoint is `chroma`), pinned by tag or digest. */
  readonly image: string;
  /**
   * Workload, ServiceAccount and Service name.
   * @default 'chroma'
   */
  readonly name?: string;
  /**
   * Size of the data volume. Raising it on a deployed stack grows the claim in place, which
   * needs a storage class that allows expansion (`storageClassAllowsExpansion`) and
   * `initialStorageGiB` set to the size the volume was created with; it can never shrink.
   * @default 10
   */
  readonly storageGiB?: number;
  /**
   * The size the data volume was first created with. The StatefulSet's `volumeClaimTemplates`
   * keep this size for good, because Kubernetes forbids changing them (an apply fails with
   * `spec: Forbidden: updates to statefulset spec for fields other than ...`); a larger
   * `storageGiB` is applied to the claim itself.
   * @default - storageGiB (a new volume)
   */
  readonly initialStorageGiB?: number;
  /**
   * Storage class of the data volume.
   * @default - the cluster's default storage class
   */
  readonly storageClassName?: string;
  /**
   * Whether the storage class lets a bound claim grow (its StorageClass has
   * `allowVolumeExpansion: true`). Only read when `storageGiB` exceeds `initialStorageGiB`;
   * the API server refuses the resize otherwise.
   * @default false
   */
  readonly storageClassAllowsExpansion?: boolean;
  /** @default - 250m/512 MiB requested, 2 GiB memory limit */
  readonly resources?: WorkloadResources;
  /**
   * The HTTP port.
   * @default 8000
   */
  readonly port?: number;
}

/** The claim template's name; the StatefulSet names claim i `data-<statefulset>-<i>`. */
const DATA_CLAIM_TEMPLATE = 'data';
const DEFAULT_RESOURCES: WorkloadResources = {
  cpuRequestMillis: 250,
  memoryRequestMiB: 512,
  memoryLimitMiB: 2048,
};
const DATA_PATH = '/data';
const DEFAULT_COLLECTION = 'meshrag';

/** Record reads a query grant may hold. */
export const CHROMA_READ_OPERATIONS: readonly string[] = ['query', 'get'];

/** The Chroma tenant and database a grant is scoped to. */
export interface ChromaGrantOptions {
  /** @default 'default_tenant' (the chromadb client's default) */
  readonly tenant?: string;
  /** @default 'default_database' (the chromadb client's default) */
  readonly database?: string;
}

export interface ChromaQueryGrantOptions extends ChromaGrantOptions {
  /**
   * The collection the grantee looks up by name.
   * @default 'meshrag' (the consumer's collection)
   */
  readonly collection?: string;
  /**
   * Record reads allowed: `query` and/or `get`; anything else throws.
   * @default ['query', 'get']
   */
  readonly operations?: readonly string[];
}

/** `/api/v2/tenants/<tenant>/databases/<database>`. */
function chromaDatabasePath(options: ChromaGrantOptions): string {
  const tenant = options.tenant ?? 'default_tenant';
  const database = options.database ?? 'default_database';
  validateChromaName('tenant', tenant);
  validateChromaName('database', database);
  return `/api/v2/tenants/${tenant}/databases/${database}`;
}

/** Names go into policy paths verbatim: no separators, wildcards or template braces. */
function validateChromaName(what: string, name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,126}[A-Za-z0-9]$/.test(name)) {
    throw new Error(
      `ChromaDb: ${what} name '${name}' must be 2-128 letters, digits, '.', '_' or '-', starting and ending with a letter or digit`,
    );
  }
}

/**
 * ChromaDB as a single-replica StatefulSet with its data on a PersistentVolumeClaim, probed
 * on `/api/v2/heartbeat`, behind an `http-chroma` Service. Chroma's local persistence is one
 * writer, so it does not scale out; replicas stay at 1.
 *
 * The claim (`data-<name>-0`) is rendered as an object of its own, with the wanted size, next
 * to a claim template that keeps the size the volume was created with. The StatefulSet
 * controller adopts an existing claim by name, so the claim is ours from the first deploy and a
 * larger `storageGiB` becomes an in-place update of the claim, which the API server allows for
 * a bound claim of an expandable class, instead of an update of the immutable claim template.
 * A shrink, or growth on a class not declared expandable, is refused here with what to do.
 * @see https://kubernetes.io/docs/concepts/storage/persistent-volumes/#expanding-persistent-volumes-claims
 * @see https://docs.trychroma.com/production/containers/docker
 */
export class ChromaDb extends Construct implements IMeshWorkload {
  public static readonly PORT_NAME = 'http-chroma';

  public readonly namespace: IMeshNamespace;
  public readonly workloadName: string;
  public readonly selectorLabels: Readonly<Record<string, string>>;
  public readonly ports: readonly WorkloadPort[];
  public readonly identity: MeshIdentity;
  public readonly port: number;
  public readonly storageGiB: number;
  public readonly initialStorageGiB: number;
  /** The data claim the StatefulSet adopts (`data-<name>-0`). */
  public readonly dataClaim: kplus.PersistentVolumeClaim;
  /** In-cluster URL, e.g. `http://chroma.meshrag.svc:8000`. */
  public readonly url: string;
  public readonly statefulSet: kplus.StatefulSet;
  public readonly service: kplus.Service;

  public constructor(scope: Construct, id: string, props: ChromaDbProps) {
    super(scope, id);
    this.namespace = props.namespace;
    this.workloadName = props.name ?? 'chroma';
    this.selectorLabels = selectorLabels(this.workloadName);
    this.port = props.port ?? 8000;
    this.ports = [{ name: ChromaDb.PORT_NAME, port: this.port, protocol: 'http' }];
    this.storageGiB = props.storageGiB ?? 10;
    this.initialStorageGiB = props.initialStorageGiB ?? this.storageGiB;
    this.url = `http://${this.workloadName}.${this.namespace.name}.svc:${this.port}`;
    const resources = props.resources ?? DEFAULT_RESOURCES;

    validateDns1123Label('ChromaDb name', this.workloadName);
    validateImageReference('ChromaDb image', props.image);
    validateInteger('ChromaDb storageGiB', this.storageGiB, 1);
    validateInteger('ChromaDb initialStorageGiB', this.initialStorageGiB, 1);
    validateStorageChange(
      this.workloadName,
      this.storageGiB,
      this.initialStorageGiB,
      props.storageClassName,
      props.storageClassAllowsExpansion ?? false,
    );
    validateWorkloadResources('ChromaDb', resources);
    for (const p of this.ports) validateWorkloadPort('ChromaDb', p);

    this.identity = new MeshIdentity(this, 'Identity', {
      namespace: this.namespace,
      name: this.workloadName,
    });

    this.service = new kplus.Service(this, 'Service', {
      metadata: {
        name: this.workloadName,
        namespace: this.namespace.name,
        labels: commonLabels(this.workloadName),
      },
      ports: [{ name: ChromaDb.PORT_NAME, port: this.port, targetPort: this.port }],
    });
    for (const [k, v] of Object.entries(this.selectorLabels)) this.service.selectLabel(k, v);

    const storageClass =
      props.storageClassName === undefined ? {} : { storageClassName: props.storageClassName };
    this.dataClaim = new kplus.PersistentVolumeClaim(this, 'DataClaim', {
      metadata: {
        name: `${DATA_CLAIM_TEMPLATE}-${this.workloadName}-0`,
        namespace: this.namespace.name,
        // The labels the StatefulSet controller gives the claims it creates.
        labels: { ...commonLabels(this.workloadName) },
      },
      storage: Size.gibibytes(this.storageGiB),
      accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
      ...storageClass,
    });

    const tmp = kplus.Volume.fromEmptyDir(this, 'Tmp', 'tmp', { sizeLimit: Size.mebibytes(256) });
    const heartbeat = (period: number) =>
      kplus.Probe.fromHttpGet('/api/v2/heartbeat', {
        port: this.port,
        periodSeconds: Duration.seconds(period),
      });
    this.statefulSet = new kplus.StatefulSet(this, 'Resource', {
      metadata: {
        name: this.workloadName,
        namespace: this.namespace.name,
        labels: commonLabels(this.workloadName),
      },
      podMetadata: { labels: commonLabels(this.workloadName) },
      service: this.service,
      serviceAccount: this.identity.serviceAccount,
      automountServiceAccountToken: false,
      select: false,
      replicas: 1,
      securityContext: restrictedPodSecurityContext(),
      // Immutable once created: keeps the first size (see the class comment).
      volumeClaimTemplates: [
        {
          name: DATA_CLAIM_TEMPLATE,
          storage: Size.gibibytes(this.initialStorageGiB),
          accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
          ...storageClass,
        },
      ],
      containers: [
        {
          name: 'chroma',
          image: props.image,
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          // Chroma's anonymous telemetry could not leave the namespace anyway (egress is denied).
          envVariables: envVariables({ ANONYMIZED_TELEMETRY: 'False' }),
          args: ['run', '--host', '0.0.0.0', '--port', String(this.port), '--path', DATA_PATH],
          ports: [{ name: ChromaDb.PORT_NAME, number: this.port }],
          resources: toContainerResources(resources),
          securityContext: restrictedContainerSecurityContext(),
          volumeMounts: [{ path: '/tmp', volume: tmp }],
          startup: kplus.Probe.fromHttpGet('/api/v2/heartbeat', {
            port: this.port,
            periodSeconds: Duration.seconds(2),
            failureThreshold: 60,
          }),
          readiness: heartbeat(5),
          liveness: heartbeat(10),
        },
      ],
    });
    this.statefulSet.select(kplus.LabelSelector.of({ labels: { ...this.selectorLabels } }));
    // The claim template 'data' is mounted through a volume of the same name.
    const data = kplus.Volume.fromPersistentVolumeClaim(
      this,
      'Data',
      kplus.PersistentVolumeClaim.fromClaimName(this, 'DataClaimTemplate', DATA_CLAIM_TEMPLATE),
      { name: DATA_CLAIM_TEMPLATE },
    );
    this.statefulSet.containers[0]?.mount(DATA_PATH, data);
    addPodSeccompProfile(this.statefulSet);
    // The only writer: evicting it stops search and pauses ingestion, so a drain waits until
    // an operator moves it deliberately (unhealthy pods may still go).
    addPodDisruptionBudget(this, 'DisruptionBudget', {
      namespaceName: this.namespace.name,
      name: this.workloadName,
      selectorLabels: this.selectorLabels,
      maxUnavailable: 'none',
    });
  }

  /**
   * Lets the grantee index into Chroma as the consumer does, and nothing more: create or open
   * collections, read the server's batch limit, and get, upsert and delete records of a
   * collection. No collection, database or tenant deletion, no reset.
   *
   * The paths are those the `chromadb` client sends for `getOrCreateCollection`,
   * `getMaxBatchSize`, `collection.get/upsert/delete` (see `app/consumer/src/indexing`);
   * record operations address the collection by its id, which Chroma assigns at creation, so
   * they match one path segment (`{*}`) inside the tenant's database.
   */
  public grantIndexWrite(grantee: IMeshIdentity, options: ChromaGrantOptions = {}): HttpGrant {
    const base = chromaDatabasePath(options);
    return this.chromaGrant(grantee, 'index', [
      { methods: ['GET'], paths: ['/api/v2/pre-flight-checks'] },
      { methods: ['POST'], paths: [`${base}/collections`] },
      {
        methods: ['POST'],
        paths: (['get', 'upsert', 'delete'] as const).map((op) => `${base}/collections/{*}/${op}`),
      },
    ]);
  }

  /**
   * Lets the grantee read one collection: look it up by name (`GET .../collections/<name>`),
   * then `query` and `get` its records. No writes, no deletes, no collection admin.
   *
   * Chroma addresses records by collection id, not name, so `query`/`get` match any collection
   * id in the tenant's database (Istio has no way to tie the id to the name).
   */
  public grantQuery(grantee: IMeshIdentity, options: ChromaQueryGrantOptions = {}): HttpGrant {
    const base = chromaDatabasePath(options);
    const collection = options.collection ?? DEFAULT_COLLECTION;
    validateChromaName('collection', collection);
    const operations = options.operations ?? CHROMA_READ_OPERATIONS;
    for (const op of operations) {
      if (!CHROMA_READ_OPERATIONS.includes(op)) {
        throw new Error(
          `ChromaDb: query grant for ${grantee.principal} asks for '${op}'; a query grant is read-only (${CHROMA_READ_OPERATIONS.join(', ')}). Writes go through Kafka: onboard the service as a producer`,
        );
      }
    }
    return this.chromaGrant(grantee, 'query', [
      { methods: ['GET'], paths: [`${base}/collections/${collection}`] },
      { methods: ['POST'], paths: operations.map((op) => `${base}/collections/{*}/${op}`) },
    ]);
  }

  private chromaGrant(
    grantee: IMeshIdentity,
    name: string,
    rules: readonly { methods: readonly string[]; paths: readonly string[] }[],
  ): HttpGrant {
    const id = `${name === 'index' ? 'Index' : 'Query'}-${grantee.namespaceName}-${grantee.serviceAccountName}`;
    return new HttpGrant(this, id, {
      target: this,
      grantee,
      name,
      portName: ChromaDb.PORT_NAME,
      operations: rules,
    });
  }
}

/**
 * Refuses a size change the API server would refuse, before anything is applied.
 * @throws Error naming the sizes and what to do instead
 */
function validateStorageChange(
  name: string,
  storageGiB: number,
  initialStorageGiB: number,
  storageClassName: string | undefined,
  storageClassAllowsExpansion: boolean,
): void {
  const claim = `${DATA_CLAIM_TEMPLATE}-${name}-0`;
  const moveData =
    `move the data to a new volume: back up the collections, delete the StatefulSet ${name} ` +
    `and the PersistentVolumeClaim ${claim}, deploy with initialStorageGiB and storageGiB both ` +
    `set to the new size, and restore`;
  if (storageGiB < initialStorageGiB) {
    throw new Error(
      `ChromaDb storageGiB (${storageGiB}) is smaller than initialStorageGiB ` +
        `(${initialStorageGiB}): a PersistentVolumeClaim cannot shrink. Keep storageGiB at ` +
        `${initialStorageGiB} or more, or ${moveData}`,
    );
  }
  if (storageGiB > initialStorageGiB && !storageClassAllowsExpansion) {
    const storageClass =
      storageClassName === undefined ? "the cluster's default storage class" : storageClassName;
    throw new Error(
      `ChromaDb storageGiB (${storageGiB}) is larger than initialStorageGiB ` +
        `(${initialStorageGiB}), which grows the claim ${claim} in place, but the storage ` +
        `class (${storageClass}) is not declared expandable. If its StorageClass has ` +
        'allowVolumeExpansion: true, set storageClassAllowsExpansion: true; otherwise keep ' +
        `storageGiB at ${initialStorageGiB}, or ${moveData}`,
    );
  }
}
