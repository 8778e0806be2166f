export * from './blob-store';
export * from './errors';
