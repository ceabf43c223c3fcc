export * from './admin-api.module';
export * from './admin.guard';
export * from './admin.module';
export * from './use-cases/account-admin.use-case';
export * from './use-cases/client-admin.use-case';
export * from './use-cases/consent-admin.use-case';
export * from './use-cases/session-admin.use-case';
export * from './use-cases/user-admin.use-case';
export {
  CreateAccountDto,
  CreateUserDto,
  SetMembershipDto,
  SetPasswordDto,
  toAdminMembership,
  toAdminSession,
  toAdminUser,
} from './admin.dto';
export * from './client.dto';
