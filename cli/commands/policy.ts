/**
 * `meshrag policy --stack <name>` (renders the stack, then checks it) and
 * `meshrag policy <file|dir>... [--stack <name>]` (checks any YAML; `--stack` then says whose
 * config applies). Exit 1 on a mandatory violation, 2 when a file does not parse.
 */
import { type Command, Option } from 'commander';
import {
  type ManifestObject,
  parseManifestYaml,
} from '../../analysis/reachability/manifest-object.js';
import { renderStack } from '../../constructs/render/render-stack.js';
import { toYaml } from '../../constructs/render/to-yaml.js';
import { evaluatePolicy, type PolicyReport } from '../../policy/evaluate-policy.js';
import {
  formatPolicyReport,
  hasMandatoryViolation,
  policyReportJson,
} from '../../policy/format-policy-report.js';
import { policyConfig } from '../../policy/policy.config.js';
import type { PolicyConfig } from '../../policy/policy-config.js';
import { validatePolicyConfig } from '../../policy/policy-config.js';
import { ManifestParseError, readManifestFiles } from '../../policy/read-manifest-files.js';
import { ALL_RULES } from '../../policy/rule-set.js';
import { getStack, stackNames } from '../../stacks/stack-registry.js';

/** The objects of a stack as `meshrag render` writes them, parsed back (what the rules see). */
export function renderedStackObjects(stack: string): ManifestObject[] {
  return parseManifestYaml(toYaml(renderStack(getStack(stack)).objects));
}

export interface PolicyRunOptions {
  readonly stack?: string;
  readonly paths?: readonly string[];
  readonly config?: PolicyConfig;
}

/** Checks a stack's render, or files, offline. */
export async function runPolicy(options: PolicyRunOptions): Promise<PolicyReport> {
  const config = options.config ?? policyConfig;
  validatePolicyConfig(
    config,
    ALL_RULES.map((r) => r.id),
  );
  const paths = options.paths ?? [];
  if (paths.length === 0 && options.stack === undefined) {
    throw new Error('name a stack (--stack <name>) or YAML files and folders to check');
  }
  const objects =
    paths.length > 0 ? await readManifestFiles(paths) : renderedStackObjects(options.stack ?? '');
  return evaluatePolicy(objects, {
    config,
    ...(options.stack === undefined ? {} : { stack: options.stack }),
    where: 'offline',
  });
}

export function registerPolicyCommand(program: Command): void {
  program
    .command('policy')
    .description(
      'check a stack (rendered offline) or YAML files and folders against the policy rules; exit 1 on a mandatory violation',
    )
    .argument('[paths...]', 'YAML files or folders to check instead of rendering a stack')
    .addOption(
      new Option(
        '--stack <name>',
        'the stack to render and check; with paths, whose config (prod-like, exemptions) applies',
      ).choices(stackNames),
    )
    .option('--json', 'print {"violations":[...], "checked": N, "exempted": [...]}')
    .action(async (paths: string[], options: { stack?: string; json?: boolean }) => {
      try {
        const report = await runPolicy({
          paths,
          ...(options.stack === undefined ? {} : { stack: options.stack }),
        });
        const title =
          paths.length > 0
            ? `meshrag policy ${paths.join(' ')}`
            : `meshrag policy: stack ${options.stack}`;
        process.stdout.write(
          options.json === true
            ? `${JSON.stringify(policyReportJson(report), null, 2)}\n`
            : formatPolicyReport(report, title),
        );
        if (hasMandatoryViolation(report)) process.exitCode = 1;
      } catch (error) {
        process.stderr.write(`meshrag: error: ${(error as Error).message}\n`);
        process.exitCode = error instanceof ManifestParseError ? 2 : 1;
      }
    });
}
