import { Module } from '@nestjs/common';
import { SessionsModule } from '@nest-sso/sessions';
import { TokensModule } from '@nest-sso/tokens';
import { UsersModule } from '@nest-sso/users';
import { AdminController } from './admin.controller';
import { AdminGuard } from './admin.guard';
import { AdminModule } from './admin.module';
import { BootstrapAdmin } from './bootstrap-admin';

/** The admin REST API under /admin, and the first admin from the environment. */
@Module({
  imports: [AdminModule, UsersModule, SessionsModule, TokensModule],
  controllers: [AdminController],
  providers: [AdminGuard, BootstrapAdmin],
})
export class AdminApiModule {}
