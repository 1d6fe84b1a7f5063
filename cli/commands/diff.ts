/**
 * `meshrag diff --stack <name> --base <git-ref> [--format text|markdown] [--fail-on-new-violations]`:
 * what a change does to a stack. The stack is rendered at the base ref (by that tree's own
 * code) and at the working tree, and compared object by object, edge by edge (who can reach
 * whom) and violation by violation. Secrets are never printed. Exit 0 whether or not anything
 * changed; 1 with --fail-on-new-violations when the change brings a mandatory violation.
 */
import { type Command, Option } from 'commander';
import {
  DIFF_FORMATS,
  type DiffFormat,
  formatReviewDiff,
} from '../../analysis/manifest-diff/format-review-diff.js';
import { renderStackAtRef } from '../../analysis/manifest-diff/render-at-ref.js';
import { buildReviewDiff, type ReviewDiff } from '../../analysis/manifest-diff/review-diff.js';
import type { ManifestObject } from '../../analysis/reachability/manifest-object.js';
import { policyConfig } from '../../policy/policy.config.js';
import type { PolicyConfig } from '../../policy/policy-config.js';
import { stackNames } from '../../stacks/stack-registry.js';
import { renderedStackObjects } from './policy.js';

export interface DiffStackOptions {
  readonly stack: string;
  readonly base: string;
  /** @default process.cwd() */
  readonly repoDir?: string;
  /** The head side. @default - the working tree's render of the stack */
  readonly head?: readonly ManifestObject[];
  readonly config?: PolicyConfig;
}

export async function diffStack(options: DiffStackOptions): Promise<ReviewDiff> {
  const base = await renderStackAtRef(
    options.repoDir ?? process.cwd(),
    options.base,
    options.stack,
  );
  return buildReviewDiff({
    stack: options.stack,
    baseRef: options.base,
    base,
    head: options.head ?? renderedStackObjects(options.stack),
    config: options.config ?? policyConfig,
  });
}

export function registerDiffCommand(program: Command): void {
  program
    .command('diff')
    .description(
      'what a change does to a stack: objects, fields (old → new), who can reach whom, new policy violations; secrets masked',
    )
    .addOption(
      new Option('--stack <name>', 'the stack to compare')
        .choices(stackNames)
        .makeOptionMandatory(),
    )
    .requiredOption('--base <git-ref>', 'the ref to compare against, e.g. origin/main')
    .addOption(
      new Option('--format <format>', 'output format').choices(DIFF_FORMATS).default('text'),
    )
    .option(
      '--fail-on-new-violations',
      'exit 1 when the change brings a new mandatory policy violation',
    )
    .action(
      async (options: {
        stack: string;
        base: string;
        format: DiffFormat;
        failOnNewViolations?: boolean;
      }) => {
        try {
          const review = await diffStack({ stack: options.stack, base: options.base });
          process.stdout.write(formatReviewDiff(review, options.format));
          const failing = review.newViolations.some((v) => v.severity === 'mandatory');
          if (options.failOnNewViolations === true && failing) process.exitCode = 1;
        } catch (error) {
          process.stderr.write(`meshrag: error: ${(error as Error).message}\n`);
          process.exitCode = 2;
        }
      },
    );
}
