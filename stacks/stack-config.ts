/**
 * What differs between stacks, as typed data. The in-cluster part is the constructs' own
 * `MeshragStackConfig`; constructs never import this folder, callers pass the config in.
 */
import type { MeshragStackConfig } from '../constructs/meshrag-stack-config.js';

export type StackConfig = MeshragStackConfig;
