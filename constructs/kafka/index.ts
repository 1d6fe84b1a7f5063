export * from './kafka-client-user.js';
export * from './kafka-cluster.js';
export * from './kafka-node-pool.js';
export * from './kafka-topic.js';
export * from './kafka-topic-grant.js';
export * from './kafka-topic-plan.js';
export * from './lifecycle-topic-set.js';
export * from './strimzi-egress.js';
