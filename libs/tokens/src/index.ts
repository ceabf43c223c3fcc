export * from './claims';
export * from './tokens.module';
export * from './tokens.service';
export * from './authorization-header';
