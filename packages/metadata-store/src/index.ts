export * from './model';
export * from './metadata-store';
