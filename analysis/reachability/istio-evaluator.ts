/**
 * Istio's inbound decision for a sidecar: PeerAuthentication (workload > namespace > mesh,
 * `portLevelMtls` over the workload mode, UNSET inherits, default PERMISSIVE), then
 * AuthorizationPolicy in Istio's order: CUSTOM, DENY, ALLOW; a workload with no ALLOW policy
 * allows everything; an ALLOW policy without rules (`spec: {}`) matches nothing.
 * Fields the analysis cannot decide from manifests (JWT principals, IP blocks, hosts, most
 * `when` keys) lean towards more reach: they may match in ALLOW rules and may not in DENY rules.
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 */
import { istioMatchesAny, istioPathMatchesAny } from './istio-string-match.js';
import { matchesLabelMap } from './label-selector.js';
import {
  asArray,
  asLabels,
  asPortNumber,
  asRecord,
  asString,
  asStringArray,
  type ManifestObject,
  namespaceOf,
} from './manifest-object.js';
import { MESH_ROOT_NAMESPACE, type Workload } from './reachability-model.js';

export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

/** What a sidecar sees of a request. */
export interface MeshRequest {
  /** The peer's certificate identity; null for plaintext. */
  readonly principal: string | null;
  /** The namespace in the peer's certificate; null for plaintext. */
  readonly namespace: string | null;
  /** Destination (container) port. */
  readonly port: number;
  /** Method and path for HTTP; null for a TCP connection. */
  readonly http: { readonly method: string; readonly path: string } | null;
}

/** Effective mTLS mode of a workload port. */
export function effectiveMtlsMode(
  peerAuthentications: readonly ManifestObject[],
  workload: Workload,
  port: number,
  notes: Set<string>,
): MtlsMode {
  const modeOf = (object: ManifestObject | undefined, withPorts: boolean): string | undefined => {
    if (object === undefined) return undefined;
    const spec = asRecord(object.spec);
    if (withPorts) {
      const portMode = asString(asRecord(asRecord(spec.portLevelMtls)[String(port)]).mode);
      if (portMode !== undefined && portMode !== 'UNSET') return portMode;
    }
    const mode = asString(asRecord(spec.mtls).mode);
    return mode === 'UNSET' ? undefined : mode;
  };
  const hasSelector = (object: ManifestObject): boolean =>
    Object.keys(asLabels(asRecord(asRecord(object.spec).selector).matchLabels)).length > 0;
  const pick = (
    candidates: readonly ManifestObject[],
    level: string,
  ): ManifestObject | undefined => {
    if (candidates.length > 1) {
      notes.add(
        `${level}: ${candidates.length} PeerAuthentications apply (${candidates.map((c) => c.metadata.name).join(', ')}); Istio uses the oldest, the analysis the first by name`,
      );
    }
    return [...candidates].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))[0];
  };
  const workloadLevel = pick(
    peerAuthentications.filter(
      (pa) =>
        namespaceOf(pa) === workload.namespace &&
        hasSelector(pa) &&
        matchesLabelMap(
          asLabels(asRecord(asRecord(pa.spec).selector).matchLabels),
          workload.labels,
        ),
    ),
    `${workload.namespace}/${workload.name}`,
  );
  const namespaceLevel = pick(
    peerAuthentications.filter((pa) => namespaceOf(pa) === workload.namespace && !hasSelector(pa)),
    `namespace ${workload.namespace}`,
  );
  const meshLevel = pick(
    peerAuthentications.filter((pa) => namespaceOf(pa) === MESH_ROOT_NAMESPACE && !hasSelector(pa)),
    'mesh',
  );
  const mode =
    modeOf(workloadLevel, true) ??
    modeOf(namespaceLevel, false) ??
    modeOf(meshLevel, false) ??
    'PERMISSIVE';
  return mode === 'STRICT' || mode === 'DISABLE' ? mode : 'PERMISSIVE';
}

/** The AuthorizationPolicies that apply to a workload's sidecar. */
export function applicablePolicies(
  policies: readonly ManifestObject[],
  workload: Workload,
  notes: Set<string>,
): ManifestObject[] {
  return policies.filter((policy) => {
    const spec = asRecord(policy.spec);
    const namespace = namespaceOf(policy);
    if (namespace !== workload.namespace && namespace !== MESH_ROOT_NAMESPACE) return false;
    if (spec.targetRef !== undefined || spec.targetRefs !== undefined) {
      notes.add(
        `AuthorizationPolicy ${namespace}/${policy.metadata.name}: targetRef(s) bind to gateways/waypoints, not sidecars; not applied`,
      );
      return false;
    }
    const selector = asLabels(asRecord(spec.selector).matchLabels);
    if (Object.keys(selector).length === 0) return true;
    return matchesLabelMap(selector, workload.labels);
  });
}

/** Three-valued match: `maybe` where the manifests cannot tell. */
type Match = boolean | 'maybe';

const and = (values: readonly Match[]): Match =>
  values.includes(false) ? false : values.includes('maybe') ? 'maybe' : true;
const or = (values: readonly Match[]): Match =>
  values.includes(true) ? true : values.includes('maybe') ? 'maybe' : false;

/** True when the workload's sidecar lets the request through. */
export function authorizationAllows(
  policies: readonly ManifestObject[],
  request: MeshRequest,
  notes: Set<string>,
): boolean {
  const byAction = (action: string): ManifestObject[] =>
    policies.filter((p) => (asString(asRecord(p.spec).action) ?? 'ALLOW') === action);
  for (const policy of byAction('CUSTOM')) {
    notes.add(
      `AuthorizationPolicy ${namespaceOf(policy)}/${policy.metadata.name}: CUSTOM (external authorizer) not modelled; assumed to deny nothing`,
    );
  }
  for (const policy of byAction('DENY')) {
    if (policyMatches(policy, request, 'DENY', notes) === true) return false;
  }
  const allow = byAction('ALLOW');
  if (allow.length === 0) return true;
  return allow.some((policy) => policyMatches(policy, request, 'ALLOW', notes) !== false);
}

function policyMatches(
  policy: ManifestObject,
  request: MeshRequest,
  action: 'ALLOW' | 'DENY',
  notes: Set<string>,
): Match {
  const name = `${namespaceOf(policy)}/${policy.metadata.name}`;
  // No rules: an ALLOW policy matches nothing (allow-nothing), and so does a DENY policy.
  const rules = asArray(asRecord(policy.spec).rules);
  return or(rules.map((rule) => ruleMatches(asRecord(rule), request, action, name, notes)));
}

const HTTP_SOURCE_FIELDS = ['requestPrincipals', 'notRequestPrincipals'];
const HTTP_OPERATION_FIELDS = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'];

function ruleMatches(
  rule: Readonly<Record<string, unknown>>,
  request: MeshRequest,
  action: 'ALLOW' | 'DENY',
  name: string,
  notes: Set<string>,
): Match {
  const from = asArray(rule.from).map((f) => asRecord(asRecord(f).source));
  const to = asArray(rule.to).map((t) => asRecord(asRecord(t).operation));
  const when = asArray(rule.when).map(asRecord);
  if (request.http === null) {
    const usesHttp =
      from.some((s) => HTTP_SOURCE_FIELDS.some((f) => s[f] !== undefined)) ||
      to.some((o) => HTTP_OPERATION_FIELDS.some((f) => o[f] !== undefined)) ||
      when.some((c) => (asString(c.key) ?? '').startsWith('request.'));
    // Istio: an ALLOW rule with HTTP-only fields never matches TCP traffic; a DENY rule drops
    // those fields and so denies more.
    if (usesHttp && action === 'ALLOW') return false;
  }
  const fromMatch =
    from.length === 0 ? true : or(from.map((s) => sourceMatches(s, request, name, notes)));
  const toMatch =
    to.length === 0 ? true : or(to.map((o) => operationMatches(o, request, name, notes)));
  const whenMatch = and(when.map((c) => conditionMatches(c, request, name, notes)));
  const result = and([fromMatch, toMatch, whenMatch]);
  // A DENY that may or may not match does not deny; an ALLOW that may match allows.
  return result;
}

function listMatch(
  values: readonly string[] | undefined,
  notValues: readonly string[] | undefined,
  actual: string | null,
  matchesAny: (patterns: readonly string[], value: string | null) => boolean = istioMatchesAny,
): Match {
  const parts: Match[] = [];
  if (values !== undefined) parts.push(matchesAny(values, actual));
  if (notValues !== undefined) parts.push(!matchesAny(notValues, actual));
  return and(parts);
}

const optionalList = (
  record: Readonly<Record<string, unknown>>,
  field: string,
): readonly string[] | undefined =>
  record[field] === undefined ? undefined : asStringArray(record[field]);

function sourceMatches(
  source: Readonly<Record<string, unknown>>,
  request: MeshRequest,
  name: string,
  notes: Set<string>,
): Match {
  const parts: Match[] = [
    listMatch(
      optionalList(source, 'principals'),
      optionalList(source, 'notPrincipals'),
      request.principal,
    ),
    listMatch(
      optionalList(source, 'namespaces'),
      optionalList(source, 'notNamespaces'),
      request.namespace,
    ),
  ];
  for (const field of [
    'requestPrincipals',
    'notRequestPrincipals',
    'ipBlocks',
    'notIpBlocks',
    'remoteIpBlocks',
    'notRemoteIpBlocks',
    'serviceAccounts',
    'notServiceAccounts',
  ]) {
    if (source[field] === undefined) continue;
    if (request.http === null && HTTP_SOURCE_FIELDS.includes(field)) continue;
    notes.add(`AuthorizationPolicy ${name}: source.${field} not modelled; treated as "may match"`);
    parts.push('maybe');
  }
  return and(parts);
}

function operationMatches(
  operation: Readonly<Record<string, unknown>>,
  request: MeshRequest,
  name: string,
  notes: Set<string>,
): Match {
  const port = String(request.port);
  const parts: Match[] = [
    listMatch(optionalList(operation, 'ports'), optionalList(operation, 'notPorts'), port),
  ];
  if (request.http !== null) {
    parts.push(
      listMatch(
        optionalList(operation, 'methods'),
        optionalList(operation, 'notMethods'),
        request.http.method,
      ),
      listMatch(
        optionalList(operation, 'paths'),
        optionalList(operation, 'notPaths'),
        request.http.path,
        istioPathMatchesAny,
      ),
    );
    if (operation.hosts !== undefined || operation.notHosts !== undefined) {
      notes.add(
        `AuthorizationPolicy ${name}: operation hosts not modelled (the client sets Host); treated as "may match"`,
      );
      parts.push('maybe');
    }
  }
  return and(parts);
}

function conditionMatches(
  condition: Readonly<Record<string, unknown>>,
  request: MeshRequest,
  name: string,
  notes: Set<string>,
): Match {
  const key = asString(condition.key) ?? '';
  const actual =
    key === 'source.principal'
      ? request.principal
      : key === 'source.namespace'
        ? request.namespace
        : key === 'destination.port'
          ? String(request.port)
          : undefined;
  if (actual === undefined) {
    if (request.http === null && key.startsWith('request.')) return true;
    notes.add(
      `AuthorizationPolicy ${name}: condition '${key}' not modelled; treated as "may match"`,
    );
    return 'maybe';
  }
  const values = optionalList(condition, 'values');
  const notValues = optionalList(condition, 'notValues');
  if (key === 'destination.port' && values !== undefined) {
    return and([
      values.some((v) => asPortNumber(v) === request.port),
      notValues === undefined ? true : !notValues.some((v) => asPortNumber(v) === request.port),
    ]);
  }
  return listMatch(values, notValues, actual);
}
