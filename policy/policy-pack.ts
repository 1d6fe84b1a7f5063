/**
 * The Pulumi policy pack entry (`pulumi preview --policy-pack policy`). Constructing a
 * PolicyPack starts its gRPC server, so this file does nothing else: the policies live in
 * `pulumi-policies.ts`, where tests import them.
 */
import { PolicyPack } from '@pulumi/policy';
import { policyConfig } from './policy.config.js';
import { validatePolicyConfig } from './policy-config.js';
import { meshragPolicies } from './pulumi-policies.js';
import { ALL_RULES } from './rule-set.js';

validatePolicyConfig(
  policyConfig,
  ALL_RULES.map((r) => r.id),
);

new PolicyPack('meshrag', {
  description:
    'meshrag zero-trust rules: mesh, network, Kafka, workloads (the same rules as `meshrag policy`)',
  policies: meshragPolicies(policyConfig),
});
