export * from './clients.module';
export * from './clients.service';
export * from './oidc-adapter';
export * from './oidc-client.entity';
export * from './oidc-payload.entity';
export * from './oidc-provider.factory';
export * from './oidc.module';
export * from './oidc.service';
