export * from './cli-context';
export * from './cli.module';
export * from './command';
export * from './program';
