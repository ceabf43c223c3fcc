export * from './key-set';
export * from './key-store';
export * from './keys.errors';
export * from './keys.module';
export * from './load-key-set';
export * from './pem-key-file';
export * from './key-algorithm';
export * from './key-files';
