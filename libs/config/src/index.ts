export * from './config.errors';
export * from './config.module';
export * from './parse-config';
export * from './read-environment';
export * from './sso-config';
