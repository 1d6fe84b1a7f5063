export * from './grant.js';
export * from './grant-record.js';
export * from './http-grant.js';
export * from './network-access.js';
export * from './tcp-grant.js';
