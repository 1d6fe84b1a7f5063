export * from './meshrag-alerts.js';
export * from './meshrag-dashboard.js';
export * from './meshrag-observability.js';
export * from './monitor-endpoint.js';
export * from './pod-monitor.js';
export * from './service-monitor.js';
