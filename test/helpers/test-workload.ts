/** A minimal IMeshWorkload for grant tests: an identity and ports, no pods. */
import { Construct } from 'constructs';
import type { WorkloadPort } from '../../constructs/common/workload-port.js';
import { MeshIdentity } from '../../constructs/mesh/mesh-identity.js';
import type { IMeshNamespace } from '../../constructs/mesh/mesh-namespace.js';
import type { IMeshWorkload } from '../../constructs/mesh/mesh-workload.js';

export class TestWorkload extends Construct implements IMeshWorkload {
  public readonly workloadName: string;
  public readonly selectorLabels: Readonly<Record<string, string>>;
  public readonly identity: MeshIdentity;

  public constructor(
    scope: Construct,
    id: string,
    public readonly namespace: IMeshNamespace,
    name: string,
    public readonly ports: readonly WorkloadPort[],
  ) {
    super(scope, id);
    this.workloadName = name;
    this.selectorLabels = { 'app.kubernetes.io/name': name };
    this.identity = new MeshIdentity(this, 'Identity', { namespace, name });
  }
}
