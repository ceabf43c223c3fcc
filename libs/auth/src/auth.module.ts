import { DynamicModule, Module, Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccountsModule } from '@nest-sso/accounts';
import { AuditModule } from '@nest-sso/audit';
import { SessionsModule } from '@nest-sso/sessions';
import { RateLimitGuard, ThrottlingModule } from '@nest-sso/throttling';
import { TokensModule } from '@nest-sso/tokens';
import { UsersModule } from '@nest-sso/users';
import { AuthorizeController } from './controllers/authorize.controller';
import { MeController } from './controllers/me.controller';
import { SessionController } from './controllers/session.controller';
import { SessionsController } from './controllers/sessions.controller';
import { SessionAuthGuard } from './guards/session-auth.guard';
import { AuthorizationPayloadBuilder } from './payload/authorization-payload.builder';
import { SessionPayloadBuilder } from './payload/session-payload.builder';
import { AuthorizeUseCase } from './use-cases/authorize.use-case';
import { ChangePasswordUseCase } from './use-cases/change-password.use-case';
import { LoginUseCase } from './use-cases/login.use-case';
import { ManageSessionsUseCase } from './use-cases/manage-sessions.use-case';

export interface AuthModuleOptions {
  /** Replaces the builder of session-token claims (a subclass of `SessionPayloadBuilder`). */
  sessionPayloadBuilder?: Type<SessionPayloadBuilder>;
  /** Replaces the builder of authorization-token claims (a subclass of `AuthorizationPayloadBuilder`). */
  authorizationPayloadBuilder?: Type<AuthorizationPayloadBuilder>;
}

/**
 * Login, authorize, the caller's profile, sessions and password; installs the global guards (the
 * per-IP rate limit, then the session guard).
 */
@Module({})
export class AuthModule {
  static forRoot(options: AuthModuleOptions = {}): DynamicModule {
    return {
      module: AuthModule,
      imports: [
        UsersModule,
        AccountsModule,
        SessionsModule,
        TokensModule,
        AuditModule,
        ThrottlingModule,
      ],
      controllers: [SessionController, AuthorizeController, MeController, SessionsController],
      providers: [
        LoginUseCase,
        AuthorizeUseCase,
        ManageSessionsUseCase,
        ChangePasswordUseCase,
        {
          provide: SessionPayloadBuilder,
          useClass: options.sessionPayloadBuilder ?? SessionPayloadBuilder,
        },
        {
          provide: AuthorizationPayloadBuilder,
          useClass: options.authorizationPayloadBuilder ?? AuthorizationPayloadBuilder,
        },
        // Global guards run in this order: the per-IP budget first, so that a flood costs one
        // counter update and never a token check, a database read or a password hash.
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: SessionAuthGuard },
      ],
    };
  }
}
