import { Module } from '@nestjs/common';
import { SessionsModule } from '@nest-sso/sessions';
import { TokensModule } from '@nest-sso/tokens';
import { UsersModule } from '@nest-sso/users';
import { AuditModule } from '@nest-sso/audit';
import { ThrottlingModule } from '@nest-sso/throttling';
import { AdminClientsController } from './admin-clients.controller';
import { AdminConsentsController } from './admin-consents.controller';
import { AdminTokenController } from './admin-token.controller';
import { AdminController } from './admin.controller';
import { AdminGuard } from './admin.guard';
import { AdminModule } from './admin.module';
import { BootstrapAdmin } from './bootstrap-admin';
import { IssueAdminTokenUseCase } from './use-cases/issue-admin-token.use-case';

/** The admin REST API under /admin, its credential (POST /admin/token), and the first admin. */
@Module({
  imports: [AdminModule, UsersModule, SessionsModule, TokensModule, AuditModule, ThrottlingModule],
  controllers: [
    AdminTokenController,
    AdminController,
    AdminClientsController,
    AdminConsentsController,
  ],
  providers: [AdminGuard, BootstrapAdmin, IssueAdminTokenUseCase],
})
export class AdminApiModule {}
