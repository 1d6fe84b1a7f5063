import { asArray, asRecord, asString } from '../../analysis/reachability/manifest-object.js';
import { isKind } from '../k8s-objects.js';
import { finding, type PolicyRule, type RuleFinding } from '../policy-rule.js';

const AUTHENTICATING = new Set(['tls', 'scram-sha-512', 'oauth']);

/** Every Kafka listener authenticates its clients. */
export const kafkaListenerAuthentication: PolicyRule = {
  id: 'kafka-listener-authentication',
  title: 'Kafka listeners authenticate clients (tls, scram-sha-512, oauth)',
  severity: 'mandatory',
  why: 'Brokers sit outside the mesh, so the listener is the only thing that knows who a client is; an unauthenticated listener makes every client ANONYMOUS and every ACL moot.',
  fix: "Set authentication.type to 'tls' (KafkaCluster does, with tls: true) on every listener.",
  scope: 'object',
  check(objects) {
    const findings: RuleFinding[] = [];
    for (const kafka of objects.filter((o) => isKind(o, 'kafka.strimzi.io', 'Kafka'))) {
      for (const l of asArray(asRecord(asRecord(kafka.spec).kafka).listeners)) {
        const listener = asRecord(l);
        const type = asString(asRecord(listener.authentication).type);
        if (type === undefined || !AUTHENTICATING.has(type)) {
          findings.push(
            finding(
              kafka,
              `listener '${asString(listener.name) ?? '?'}' (port ${String(listener.port)}) has ${type === undefined ? 'no authentication' : `authentication '${type}'`}`,
            ),
          );
        }
      }
    }
    return findings;
  },
};
