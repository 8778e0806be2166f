// The Coordinator port alone, for code that must not depend on any backend: nothing here
// constructs an adapter or loads a driver. The adapters are in the package's main entry.
export * from './channels';
export * from './coordinator';
export * from './rate-limit';
