export * from './onboarded-identity.js';
export * from './onboarded-service.js';
export * from './validate-onboarding.js';
