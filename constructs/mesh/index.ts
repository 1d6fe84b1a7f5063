export * from './mesh-identity.js';
export * from './mesh-namespace.js';
export * from './mesh-peer-authentication.js';
export * from './mesh-workload.js';
