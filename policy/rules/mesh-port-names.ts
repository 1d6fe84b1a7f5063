import { asArray, asRecord, asString } from '../../analysis/reachability/manifest-object.js';
import { isKind } from '../k8s-objects.js';
import { finding, type PolicyRule, type RuleFinding } from '../policy-rule.js';

/** Istio's protocol names, as port-name prefixes. @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/ */
const PROTOCOLS = [
  'http',
  'http2',
  'https',
  'grpc',
  'grpc-web',
  'mongo',
  'mysql',
  'redis',
  'tcp',
  'tls',
  'udp',
];
const NAMED = new RegExp(`^(${PROTOCOLS.join('|')})(-.*)?$`);

/** Service ports carry their protocol in the name (or appProtocol). */
export const meshPortNames: PolicyRule = {
  id: 'mesh-port-names',
  title: "Service ports are named '<protocol>[-suffix]'",
  severity: 'mandatory',
  why: "Istio picks a port's protocol from its name or appProtocol; otherwise it guesses, and an HTTP port sniffed as TCP silently ignores the methods and paths of its AuthorizationPolicy (IST0118).",
  fix: "Name the port 'http-<x>', 'grpc-<x>' or 'tcp-<x>' (WorkloadPort does), or set appProtocol.",
  scope: 'object',
  check(objects) {
    const findings: RuleFinding[] = [];
    for (const svc of objects.filter((o) => isKind(o, '', 'Service'))) {
      asArray(asRecord(svc.spec).ports).forEach((p, i) => {
        const port = asRecord(p);
        if (asString(port.appProtocol) !== undefined) return;
        const name = asString(port.name);
        if (name === undefined || !NAMED.test(name)) {
          findings.push(
            finding(
              svc,
              `port ${name === undefined ? `#${i} (${String(port.port)}) is unnamed` : `'${name}' does not start with a protocol`}`,
            ),
          );
        }
      });
    }
    return findings;
  },
};
