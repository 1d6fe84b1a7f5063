export * from './disruption.js';
export * from './env-variables.js';
export * from './labels.js';
export * from './pod-security.js';
export * from './validate.js';
export * from './workload-port.js';
export * from './workload-resources.js';
