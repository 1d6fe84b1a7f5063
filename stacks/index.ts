export * from './dev.js';
export * from './prod.js';
export * from './pulumi-stack-config.js';
export * from './stack-config.js';
export * from './stack-registry.js';
export * from './staging.js';
