export * from './analyze-reachability.js';
export * from './diff-edges.js';
export * from './expected-edges-from-grants.js';
export * from './manifest-object.js';
export * from './reachability-edge.js';
export * from './reachability-model.js';
export * from './render-graph.js';
