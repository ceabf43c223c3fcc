import { Inject, Injectable, Logger } from '@nestjs/common';
import { SsoError } from '@nest-sso/common';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { SessionsService } from '@nest-sso/sessions';
import { TokensService } from '@nest-sso/tokens';
import { PasswordHasher, UsersService } from '@nest-sso/users';
import { SessionPayloadBuilder } from '../payload/session-payload.builder';

export interface LoginInput {
  login: string;
  password: string;
  clientId: string;
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
    private readonly tokens: TokensService,
    private readonly payload: SessionPayloadBuilder,
  ) {}

  async execute(input: LoginInput): Promise<string> {
    const user = await this.users.findByLogin(input.login);
    // Unknown user, wrong password and inactive user are one error, and each costs one hash
    // verification, so neither the answer nor its timing tells whether the account exists.
    const passwordOk = user
      ? await this.passwords.verify(user.passwordHash, input.password)
      : await this.passwords.verifyDummy(input.password);
    if (!user || !passwordOk || !user.isActive) {
      throw new SsoError('invalid_credentials', 'Unable to log in with the provided credentials');
    }

    const session = await this.sessions.create({
      userId: user.id,
      clientId: input.clientId,
      ipAddress: input.ipAddress,
      userAgent: input.userAgent,
      expiresIn: this.config.sessionExpiration,
    });
    const claims = await this.payload.build({
      user,
      session,
      issuedAt: Math.floor(Date.now() / 1000),
    });
    this.logger.log(`User ${user.id} logged in, session ${session.id}`);
    return this.tokens.sign(claims);
  }
}
