export * from './coordinator';
