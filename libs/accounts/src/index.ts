export * from './account.entity';
export * from './accounts.errors';
export * from './accounts.module';
export * from './accounts.service';
export * from './membership.entity';
