export * from './health.module';
export * from './graceful-shutdown';
export * from './shutdown-state';
export * from './cluster-primary';
