import { describe, expect, it } from 'vitest';
import type { ManifestObject } from '../../../analysis/reachability/manifest-object.js';
import { evaluatePolicy, evaluateRule, ruleContext } from '../../../policy/evaluate-policy.js';
import { policyConfig } from '../../../policy/policy.config.js';
import { ALL_RULES, findRule } from '../../../policy/rule-set.js';
import { consumerScaledObject, find, remove, stackObjects } from '../../helpers/policy-fixtures.js';

interface Case {
  /** What the mutation does, as a reviewer would say it. */
  readonly name: string;
  readonly rule: string;
  readonly mutate: (objects: ManifestObject[]) => ManifestObject[];
  readonly message: RegExp;
  /** Where the policy run happens; the built images' digests are only checked where Pulumi applies them. */
  readonly where?: 'offline' | 'pulumi';
}

const DIGEST = `@sha256:${'a'.repeat(64)}`;

/** One mutation of the rendered prod stack per rule (at least), each a way a change could break it. */
const CASES: readonly Case[] = [
  {
    name: 'mesh-wide PERMISSIVE mTLS',
    rule: 'mesh-mtls-strict-meshwide',
    mutate: (o) => {
      find(o, 'PeerAuthentication', 'default').spec.mtls.mode = 'PERMISSIVE';
      return o;
    },
    message: /mesh-wide mTLS mode is PERMISSIVE/,
  },
  {
    name: 'no mesh-wide PeerAuthentication',
    rule: 'mesh-mtls-strict-meshwide',
    mutate: (o) => remove(o, 'PeerAuthentication', 'default'),
    message: /no mesh-wide PeerAuthentication in istio-system/,
  },
  {
    name: 'a namespace-level PERMISSIVE PeerAuthentication in the app namespace',
    rule: 'mesh-no-permissive-mtls',
    mutate: (o) => [
      ...o,
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'PeerAuthentication',
        metadata: { name: 'relaxed', namespace: 'meshrag' },
        spec: { mtls: { mode: 'PERMISSIVE' } },
      },
    ],
    message: /mTLS mode PERMISSIVE/,
  },
  {
    name: 'port-level DISABLE on a workload',
    rule: 'mesh-no-permissive-mtls',
    mutate: (o) => [
      ...o,
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'PeerAuthentication',
        metadata: { name: 'embedder', namespace: 'meshrag' },
        spec: {
          selector: { matchLabels: { app: 'embedder' } },
          mtls: { mode: 'STRICT' },
          portLevelMtls: { '8080': { mode: 'DISABLE' } },
        },
      },
    ],
    message: /port 8080 has mTLS mode DISABLE/,
  },
  {
    name: 'missing allow-nothing AuthorizationPolicy',
    rule: 'mesh-allow-nothing-baseline',
    mutate: (o) => remove(o, 'AuthorizationPolicy', 'allow-nothing', 'meshrag'),
    message: /namespace meshrag is meshed but has no allow-nothing/,
  },
  {
    name: 'wildcard principal',
    rule: 'mesh-authz-named-principals',
    mutate: (o) => {
      find(
        o,
        'AuthorizationPolicy',
        'embedder-invoke-consumer',
      ).spec.rules[0].from[0].source.principals = ['*'];
      return o;
    },
    message: /wildcard principal '\*'/,
  },
  {
    name: 'ALLOW rule without from',
    rule: 'mesh-authz-named-principals',
    mutate: (o) => {
      delete find(o, 'AuthorizationPolicy', 'chroma-index-consumer').spec.rules[0].from;
      return o;
    },
    message: /rules\[0\] has no 'from'/,
  },
  {
    name: 'source by namespace only',
    rule: 'mesh-authz-named-principals',
    mutate: (o) => {
      find(o, 'AuthorizationPolicy', 'chroma-index-consumer').spec.rules[0].from = [
        { source: { namespaces: ['meshrag'] } },
      ];
      return o;
    },
    message: /from\[0\] names no principal/,
  },
  {
    name: 'unnamed Service port',
    rule: 'mesh-port-names',
    mutate: (o) => {
      delete find(o, 'Service', 'embedder').spec.ports[0].name;
      return o;
    },
    message: /port #0 \(8080\) is unnamed/,
  },
  {
    name: 'port name without a protocol',
    rule: 'mesh-port-names',
    mutate: (o) => {
      find(o, 'Service', 'chroma').spec.ports[0].name = 'chroma';
      return o;
    },
    message: /'chroma' does not start with a protocol/,
  },
  {
    name: 'missing default-deny NetworkPolicy',
    rule: 'network-default-deny',
    mutate: (o) => remove(o, 'NetworkPolicy', 'default-deny', 'meshrag'),
    message: /namespace meshrag runs workloads but denies no ingress and no egress/,
  },
  {
    name: 'default-deny without egress',
    rule: 'network-default-deny',
    mutate: (o) => {
      find(o, 'NetworkPolicy', 'default-deny', 'meshrag').spec.policyTypes = ['Ingress'];
      return o;
    },
    message: /denies no egress by default/,
  },
  {
    name: 'an allow-all egress rule',
    rule: 'network-no-allow-all-egress',
    mutate: (o) => {
      find(o, 'NetworkPolicy', 'consumer-to-chroma-8000').spec.egress.push({});
      return o;
    },
    message: /egress\[1\] allows every destination on every port/,
  },
  {
    name: 'egress to 0.0.0.0/0',
    rule: 'network-no-allow-all-egress',
    mutate: (o) => {
      find(o, 'NetworkPolicy', 'allow-dns-egress').spec.egress = [
        { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] },
      ];
      return o;
    },
    message: /egress\[0\] allows every destination/,
  },
  {
    name: 'a listener without authentication',
    rule: 'kafka-listener-authentication',
    mutate: (o) => {
      delete find(o, 'Kafka', 'meshrag').spec.kafka.listeners[0].authentication;
      return o;
    },
    message: /listener 'tls' \(port 9093\) has no authentication/,
  },
  {
    name: 'no Kafka authorization',
    rule: 'kafka-authorization',
    mutate: (o) => {
      delete find(o, 'Kafka', 'meshrag').spec.kafka.authorization;
      return o;
    },
    message: /authorization is not set/,
  },
  {
    name: 'auto topic creation on',
    rule: 'kafka-no-auto-create-topics',
    mutate: (o) => {
      find(o, 'Kafka', 'meshrag').spec.kafka.config['auto.create.topics.enable'] = true;
      return o;
    },
    message: /auto.create.topics.enable is not false/,
  },
  {
    name: 'wildcard topic ACL',
    rule: 'kafka-acl-literal',
    mutate: (o) => {
      find(o, 'KafkaUser', 'consumer').spec.authorization.acls[0].resource.name = '*';
      return o;
    },
    message: /acls\[0\] grants every topic/,
  },
  {
    name: 'prefix group ACL',
    rule: 'kafka-acl-literal',
    mutate: (o) => {
      Object.assign(find(o, 'KafkaUser', 'consumer').spec.authorization.acls[1].resource, {
        name: 'meshrag',
        patternType: 'prefix',
      });
      return o;
    },
    message: /acls\[1\] grants groups by prefix 'meshrag'/,
  },
  {
    name: 'a topic with 1 replica',
    rule: 'kafka-topic-durability',
    mutate: (o) => {
      find(o, 'KafkaTopic', 'documents.dlq').spec.replicas = 1;
      return o;
    },
    message: /topic documents.dlq has 1 replicas, needs >= 3/,
  },
  {
    name: 'a topic with min ISR 1',
    rule: 'kafka-topic-durability',
    mutate: (o) => {
      find(o, 'KafkaTopic', 'chunks.embedded').spec.config['min.insync.replicas'] = 1;
      return o;
    },
    message: /min.insync.replicas 1, needs >= 2/,
  },
  {
    name: 'fewer partitions than consumers',
    rule: 'kafka-partitions-cover-consumers',
    mutate: (o) => {
      find(o, 'KafkaTopic', 'documents.parsed').spec.partitions = 3;
      return o;
    },
    message:
      /documents.parsed has 3 partitions but Deployment meshrag\/consumer may run 12 consumers/,
  },
  {
    name: 'a KEDA ScaledObject scaling past the partitions',
    rule: 'keda-max-replicas-within-partitions',
    mutate: (o) => [...o, consumerScaledObject(24)],
    message: /maxReplicaCount 24 exceeds the 12 partitions of topic documents.parsed/,
  },
  {
    name: 'a KEDA ScaledObject without maxReplicaCount',
    rule: 'keda-max-replicas-within-partitions',
    mutate: (o) => [...o, consumerScaledObject(undefined)],
    message: /unset \(KEDA default 100\) exceeds the 12 partitions/,
  },
  {
    name: 'privileged container',
    rule: 'workload-pod-security-restricted',
    mutate: (o) => {
      find(
        o,
        'Deployment',
        'embedder',
      ).spec.template.spec.containers[0].securityContext.privileged = true;
      return o;
    },
    message: /container 'embedder': privileged: true/,
  },
  {
    name: 'writable root filesystem and no seccomp',
    rule: 'workload-pod-security-restricted',
    mutate: (o) => {
      const pod = find(o, 'StatefulSet', 'chroma').spec.template.spec;
      pod.containers[0].securityContext.readOnlyRootFilesystem = false;
      delete pod.containers[0].securityContext.seccompProfile;
      delete pod.securityContext.seccompProfile;
      return o;
    },
    message: /root filesystem is writable/,
  },
  {
    name: 'missing limits',
    rule: 'workload-resources',
    mutate: (o) => {
      delete find(o, 'Deployment', 'consumer').spec.template.spec.containers[0].resources.limits;
      return o;
    },
    message: /container 'consumer' has no limits.memory/,
  },
  {
    name: ':latest image',
    rule: 'workload-image-no-latest',
    mutate: (o) => {
      find(o, 'Deployment', 'embedder').spec.template.spec.containers[0].image =
        'ghcr.io/meshrag/embedder:latest';
      return o;
    },
    message: /image 'ghcr.io\/meshrag\/embedder:latest' is not pinned \(:latest\)/,
  },
  {
    name: 'untagged image',
    rule: 'workload-image-no-latest',
    mutate: (o) => {
      find(o, 'StatefulSet', 'chroma').spec.template.spec.containers[0].image = 'chromadb/chroma';
      return o;
    },
    message: /not pinned \(no tag\)/,
  },
  {
    name: 'a tag where Pulumi applies the objects',
    rule: 'workload-image-digest',
    mutate: (o) => o,
    message: /image 'ghcr.io\/meshrag\/embedder:0.1.0' is not pinned by digest/,
    where: 'pulumi',
  },
  {
    name: 'literal secret in env',
    rule: 'workload-no-literal-secrets',
    mutate: (o) => {
      find(o, 'Deployment', 'consumer').spec.template.spec.containers[0].env.push({
        name: 'CHROMA_PASSWORD',
        value: 'hunter2',
      });
      return o;
    },
    message: /env CHROMA_PASSWORD holds a literal secret value/,
  },
  {
    name: 'a private key in env under an innocent name',
    rule: 'workload-no-literal-secrets',
    mutate: (o) => {
      find(o, 'Deployment', 'embedder').spec.template.spec.containers[0].env.push({
        name: 'EXTRA',
        value: '-----BEGIN RSA PRIVATE KEY-----\nMII...',
      });
      return o;
    },
    message: /env EXTRA holds a literal secret value/,
  },
  {
    name: 'missing readiness probe',
    rule: 'workload-probes',
    mutate: (o) => {
      delete find(o, 'Deployment', 'consumer').spec.template.spec.containers[0].readinessProbe;
      return o;
    },
    message: /container 'consumer' has no readiness probe/,
  },
  {
    name: 'GPU request without the taint toleration',
    rule: 'workload-gpu-scheduling',
    mutate: (o) => {
      delete find(o, 'Deployment', 'embedder').spec.template.spec.tolerations;
      return o;
    },
    message: /requests nvidia.com\/gpu but does not tolerate/,
  },
  {
    name: 'on GPU nodes without a GPU request',
    rule: 'workload-gpu-scheduling',
    mutate: (o) => {
      delete find(o, 'Deployment', 'embedder').spec.template.spec.containers[0].resources.limits[
        'nvidia.com/gpu'
      ];
      return o;
    },
    message: /steered onto GPU nodes but requests no nvidia.com\/gpu/,
  },
  {
    name: 'Chroma without a PersistentVolumeClaim',
    rule: 'chroma-persistent-volume',
    mutate: (o) => {
      const sts = find(o, 'StatefulSet', 'chroma');
      delete sts.spec.volumeClaimTemplates;
      sts.spec.template.spec.volumes.push({ name: 'data', emptyDir: {} });
      return o;
    },
    message: /runs Chroma in container 'chroma' with no PersistentVolumeClaim mounted/,
  },
];

describe('policy rules', () => {
  it('every rule has an id, title, why and fix, and a failing case below', () => {
    const ids = ALL_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of ALL_RULES) {
      expect(rule.title.length, rule.id).toBeGreaterThan(10);
      expect(rule.why.length, rule.id).toBeGreaterThan(40);
      expect(rule.fix.length, rule.id).toBeGreaterThan(20);
      expect(
        CASES.some((c) => c.rule === rule.id),
        `${rule.id} has no failing case`,
      ).toBe(true);
    }
  });

  it.each(['dev', 'staging', 'prod'])(
    'stack %s passes every mandatory rule (exemptions aside)',
    (stack) => {
      const report = evaluatePolicy(stackObjects(stack), {
        config: policyConfig,
        stack,
        where: 'offline',
      });
      expect(report.violations).toEqual([]);
      expect(report.checked).toBeGreaterThan(30);
    },
  );

  describe.each(CASES)('$rule: $name', (c) => {
    const rule = findRule(c.rule);
    if (rule === undefined) throw new Error(`unknown rule ${c.rule}`);
    const context = ruleContext(policyConfig, 'prod');

    it('passes on the rendered prod stack (its reasoned exemptions aside)', () => {
      // The digest rule passes on digests: the prod render with the images Pulumi would pass.
      const objects = stackObjects('prod');
      if (c.rule === 'workload-image-digest') {
        for (const kind of ['Deployment', 'StatefulSet']) {
          for (const o of objects.filter((x) => x.kind === kind)) {
            // biome-ignore lint/suspicious/noExplicitAny: fixture mutation
            const container = (o as any).spec.template.spec.containers[0];
            container.image = `${container.image}${DIGEST}`;
          }
        }
      }
      const result = evaluateRule(rule, objects, {
        config: policyConfig,
        stack: 'prod',
        where: 'pulumi',
      });
      expect(result.violations).toEqual([]);
    });

    it('fails on the mutation', () => {
      const findings = rule.check(c.mutate(stackObjects('prod')), context);
      expect(findings.map((f) => f.message)).toContainEqual(expect.stringMatching(c.message));
    });

    it('is caught by the policy run over the mutated prod stack', () => {
      const report = evaluatePolicy(c.mutate(stackObjects('prod')), {
        config: policyConfig,
        stack: 'prod',
        where: c.where ?? 'offline',
      });
      const caught = report.violations.filter(
        (v) => v.rule === c.rule && v.severity === 'mandatory',
      );
      expect(caught.map((v) => v.message)).toContainEqual(expect.stringMatching(c.message));
    });
  });

  describe('prod-like only rules', () => {
    it('leave dev alone: one replica and tags are fine there', () => {
      const report = evaluatePolicy(stackObjects('dev'), {
        config: policyConfig,
        stack: 'dev',
        where: 'pulumi',
      });
      expect(
        report.violations.filter(
          (v) => v.rule === 'kafka-topic-durability' || v.rule === 'workload-image-digest',
        ),
      ).toEqual([]);
    });

    it('fails when an unknown stack has 1-replica topics (unknown stacks are prod-like)', () => {
      const report = evaluatePolicy(stackObjects('dev'), {
        config: policyConfig,
        stack: 'team-b',
        where: 'offline',
      });
      expect(report.violations.map((v) => v.rule)).toContain('kafka-topic-durability');
    });
  });

  describe('keda-max-replicas-within-partitions', () => {
    const rule = findRule('keda-max-replicas-within-partitions');
    const context = ruleContext(policyConfig, 'dev');

    it('passes when maxReplicaCount equals the partitions (dev: 3)', () => {
      expect(rule?.check([...stackObjects('dev'), consumerScaledObject(3)], context)).toEqual([]);
    });

    it('fails when maxReplicaCount exceeds them', () => {
      expect(rule?.check([...stackObjects('dev'), consumerScaledObject(4)], context)).toEqual([
        expect.objectContaining({
          kind: 'ScaledObject',
          name: 'consumer',
          message: expect.stringMatching(/4 exceeds the 3 partitions/),
        }),
      ]);
    });

    it('fails when a trigger without topic scales its group past the topics the group reads', () => {
      const so = consumerScaledObject(20);
      // biome-ignore lint/suspicious/noExplicitAny: fixture mutation
      delete (so as any).spec.triggers[0].metadata.topic;
      expect(
        rule?.check([...stackObjects('prod'), so], ruleContext(policyConfig, 'prod')),
      ).toHaveLength(1);
    });

    it('ignores ScaledObjects on other triggers and kinds it does not know', () => {
      const cpu = consumerScaledObject(6);
      // biome-ignore lint/suspicious/noExplicitAny: fixture mutation
      (cpu as any).spec.triggers = [{ type: 'cpu', metadata: { value: '70' } }];
      const podMonitor = {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        metadata: { name: 'x', namespace: 'meshrag' },
        spec: {},
      };
      const pdb = {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'x', namespace: 'meshrag' },
        spec: { minAvailable: 1 },
      };
      const report = evaluatePolicy([...stackObjects('prod'), cpu, podMonitor, pdb], {
        config: policyConfig,
        stack: 'prod',
        where: 'offline',
      });
      expect(report.violations).toEqual([]);
    });
  });

  describe('exemptions', () => {
    it('appear in the report with their reason, and the digest exemption holds only offline', () => {
      const offline = evaluatePolicy(stackObjects('prod'), {
        config: policyConfig,
        stack: 'prod',
        where: 'offline',
      });
      expect(offline.exempted.map((e) => `${e.rule} ${e.kind} ${e.name}`)).toEqual([
        'workload-image-digest StatefulSet chroma',
        'workload-image-digest Deployment consumer',
        'workload-image-digest Deployment embedder',
      ]);
      expect(offline.exempted.every((e) => e.reason.length > 40)).toBe(true);
      const pulumi = evaluatePolicy(stackObjects('prod'), {
        config: policyConfig,
        stack: 'prod',
        where: 'pulumi',
      });
      expect(pulumi.violations.map((v) => `${v.rule} ${v.name}`).sort()).toEqual([
        'workload-image-digest consumer',
        'workload-image-digest embedder',
      ]);
    });

    it('a level in the config turns a rule advisory', () => {
      const config = { ...policyConfig, levels: { 'workload-probes': 'advisory' as const } };
      const objects =
        CASES.find((c) => c.name === 'missing readiness probe')?.mutate(stackObjects('prod')) ?? [];
      const report = evaluatePolicy(objects, { config, stack: 'prod', where: 'offline' });
      expect(report.violations).toEqual([
        expect.objectContaining({ rule: 'workload-probes', severity: 'advisory' }),
      ]);
    });
  });
});
