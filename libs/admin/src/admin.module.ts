import { Module } from '@nestjs/common';
import { AccountsModule } from '@nest-sso/accounts';
import { AuditModule } from '@nest-sso/audit';
import { ClientsModule, ConsentsModule } from '@nest-sso/oidc';
import { SessionsModule } from '@nest-sso/sessions';
import { UsersModule } from '@nest-sso/users';
import { AccountAdminUseCase } from './use-cases/account-admin.use-case';
import { ClientAdminUseCase } from './use-cases/client-admin.use-case';
import { ConsentAdminUseCase } from './use-cases/consent-admin.use-case';
import { SessionAdminUseCase } from './use-cases/session-admin.use-case';
import { UserAdminUseCase } from './use-cases/user-admin.use-case';

/** What operators do, as use cases shared by every door: the admin API and the CLI. */
@Module({
  imports: [
    UsersModule,
    AccountsModule,
    SessionsModule,
    AuditModule,
    ClientsModule,
    ConsentsModule,
  ],
  providers: [
    UserAdminUseCase,
    AccountAdminUseCase,
    SessionAdminUseCase,
    ClientAdminUseCase,
    ConsentAdminUseCase,
  ],
  exports: [
    UserAdminUseCase,
    AccountAdminUseCase,
    SessionAdminUseCase,
    ClientAdminUseCase,
    ConsentAdminUseCase,
  ],
})
export class AdminModule {}
