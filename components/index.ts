export * from './gpu-node-pool.js';
export * from './istio-mesh.js';
export * from './kubernetes-cluster.js';
export * from './meshrag-platform.js';
export * from './service-image.js';
export * from './strimzi-operator.js';
export * from './vendored-chart.js';
