import { Inject, Injectable, Logger } from '@nestjs/common';
import { Actors, AuditService } from '@nest-sso/audit';
import { FieldError, SsoError } from '@nest-sso/common';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { checkClientId, EndSessionsUseCase, SessionsService } from '@nest-sso/sessions';
import { LoginLockoutService } from '@nest-sso/throttling';
import { TokensService } from '@nest-sso/tokens';
import { assertValid, PasswordHasher, UsersService } from '@nest-sso/users';
import { SessionPayloadBuilder } from '../payload/session-payload.builder';

export interface LoginInput {
  login: string;
  password: string;
  /** As sent (`client_id`); checked here, `undefined` when absent. */
  clientId: string | undefined;
  ipAddress: string | undefined;
  userAgent: string | undefined;
}

/** Password login: checks the credentials, opens a session and returns its session token. */
@Injectable()
export class LoginUseCase {
  private readonly logger = new Logger('Login');

  constructor(
    @Inject(SSO_CONFIG) private readonly config: SsoConfig,
    private readonly users: UsersService,
    private readonly passwords: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly endSessions: EndSessionsUseCase,
    private readonly tokens: TokensService,
    private readonly payload: SessionPayloadBuilder,
    private readonly lockout: LoginLockoutService,
    private readonly audit: AuditService,
  ) {}

  async execute(input: LoginInput): Promise<string> {
    const errors: FieldError[] = [];
    const clientId = checkClientId(input.clientId, errors);
    assertValid(errors);
    const ip = input.ipAddress;
    // The attempt is counted before any hash work, in one statement with the lockout check (and
    // the user lookup: one round trip), so parallel attempts on any replica cannot all pass the
    // check first. A locked name is refused, known or not: the lockout says nothing about whether
    // the account exists.
    const { attempt, user } = await this.lockout.reserveAndFindUser(input.login);
    if (!attempt.allowed) {
      await this.audit.record({
        type: 'login_failed',
        actor: Actors.user(user?.id ?? null, ip),
        reason: 'locked',
        clientId,
      });
      throw tooManyAttempts(attempt.retryAfter);
    }

    // Unknown user, wrong password and inactive user are one error, and each costs one hash
    // verification, so neither the answer nor its timing tells whether the account exists.
    const { valid: passwordOk, rehash } = user
      ? await this.passwords.check(user.passwordHash, input.password)
      : { valid: await this.passwords.verifyDummy(input.password), rehash: false };
    if (!user || !passwordOk || !user.isActive) {
      const reason = !user ? 'unknown_user' : !passwordOk ? 'wrong_password' : 'inactive_user';
      this.logger.log({ msg: 'Login failed', reason, userId: user?.id ?? null });
      const actor = Actors.user(user?.id ?? null, ip);
      const locks = attempt.lockSeconds;
      await this.audit.record(
        { type: 'login_failed', actor, reason, clientId },
        ...(locks > 0
          ? [{ type: 'login_locked' as const, actor, reason: `${locks}s`, clientId }]
          : []),
      );
      throw new SsoError('invalid_credentials', 'Unable to log in with the provided credentials');
    }

    await this.lockout.reset(input.login);
    if (rehash) {
      // The hash predates the current argon2 settings or password normalisation: upgrade it while
      // we have the password.
      await this.users.setPasswordHash(user.id, await this.passwords.hash(input.password));
    }
    const actor = Actors.user(user.id, ip);
    // The login_succeeded event is written by the session's own INSERT (atomic, no round trip).
    const session = await this.sessions.create(
      {
        userId: user.id,
        clientId: clientId!,
        ipAddress: ip,
        userAgent: input.userAgent,
        expiresIn: this.config.sessionExpiration,
      },
      this.audit.eventColumns({ type: 'login_succeeded', actor }),
    );
    if (this.config.maxSessionsPerUser !== null) {
      await this.endSessions.beyond(user.id, this.config.maxSessionsPerUser, actor);
    }
    const claims = await this.payload.build({
      user,
      session,
      issuedAt: Math.floor(Date.now() / 1000),
    });
    this.logger.log({ msg: 'Login succeeded', userId: user.id, sessionId: session.id });
    return this.tokens.sign(claims);
  }
}

export function tooManyAttempts(retryAfter: number): SsoError {
  return new SsoError(
    'too_many_attempts',
    'Too many failed attempts for this login; try again later',
    undefined,
    retryAfter,
  );
}
