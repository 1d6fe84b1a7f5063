import { dev } from './dev.js';
import { prod } from './prod.js';
import type { StackConfig } from './stack-config.js';
import { staging } from './staging.js';

/** Every stack, by name. */
export const stacks: Readonly<Record<string, StackConfig>> = { dev, staging, prod };

/** The names of all stacks, in declaration order. */
export const stackNames: readonly string[] = Object.keys(stacks);

/** A stack's configuration, or an error listing the valid names. */
export function getStack(name: string): StackConfig {
  const stack = Object.hasOwn(stacks, name) ? stacks[name] : undefined;
  if (stack === undefined) {
    throw new Error(`unknown stack '${name}': valid stacks are ${stackNames.join(', ')}`);
  }
  return stack;
}
