export * from './render-stack.js';
export * from './to-yaml.js';
