export * from './config/load';
export * from './config/schema';
export * from './errors/error-codes';
export * from './logger';
export * from './registry';
export * from './server';
