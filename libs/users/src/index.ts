export * from './login-name.entity';
export * from './normalize-login';
export * from './password-hasher';
export * from './user.entity';
export * from './users.errors';
export * from './users.module';
export * from './users.service';
export * from './user-rules';
