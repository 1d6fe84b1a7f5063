import { Construct, type IConstruct } from 'constructs';
import type { GrantRecord } from './grant-record.js';

/**
 * One access declared by intent. Subclasses emit the artefacts on every layer the access
 * touches; each keeps its `record` so the app can list every grant as data.
 */
export abstract class Grant extends Construct {
  public abstract readonly record: GrantRecord;
}

/** Every grant under a construct, in construct-tree order (deterministic). */
export function collectGrants(scope: IConstruct): GrantRecord[] {
  return scope.node
    .findAll()
    .filter((c): c is Grant => c instanceof Grant)
    .map((g) => g.record);
}
