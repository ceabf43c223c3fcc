import { Module } from '@nestjs/common';
import { AccountsModule } from '@nest-sso/accounts';
import { AuditModule } from '@nest-sso/audit';
import { SessionsModule } from '@nest-sso/sessions';
import { TokensModule } from '@nest-sso/tokens';
import { UsersModule } from '@nest-sso/users';
import { AdminController } from './admin.controller';
import { AdminGuard } from './admin.guard';
import { AdminService } from './admin.service';
import { BootstrapAdmin } from './bootstrap-admin';

/** The admin REST API under /admin, and the first admin from the environment. */
@Module({
  imports: [UsersModule, AccountsModule, SessionsModule, TokensModule, AuditModule],
  controllers: [AdminController],
  providers: [AdminService, AdminGuard, BootstrapAdmin],
})
export class AdminModule {}
