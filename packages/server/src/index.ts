export * from './config/load';
export * from './config/schema';
export * from './errors/error-codes';
export * from './logger';
export * from './registry';
export * from './server';
export { AccessAdministration, OPERATOR } from './services/access-administration';
export { generateSigningKey } from './auth/tokens/key-ring';
export { RegistryError } from './errors/domain-errors';
