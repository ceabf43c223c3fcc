import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Actors } from '@nest-sso/audit';
import { SsoError } from '@nest-sso/common';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { UsersService } from '@nest-sso/users';
import { ADMIN_SCOPE } from './admin.guard';
import { UserAdminUseCase } from './use-cases/user-admin.use-case';

/**
 * With `SSO_ADMIN_EMAIL` and `SSO_ADMIN_PASSWORD` set, creates that user with the admin scope at
 * start-up if no user has that email yet (an audited `user_created` by the system). An existing
 * user is never changed, so the variables can stay set (or be removed) after the first start.
 */
@Injectable()
export class BootstrapAdmin implements OnApplicationBootstrap {
  constructor(
    @Inject(SSO_CONFIG) private readonly config: SsoConfig,
    private readonly users: UsersService,
    private readonly userAdmin: UserAdminUseCase,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.bootstrapAdmin;
    if (!admin || (await this.users.findByLogin(admin.email))) return;
    const user = await this.userAdmin
      .create(Actors.system(), {
        email: admin.email,
        password: admin.password,
        permissions: [ADMIN_SCOPE],
      })
      .catch((error: unknown) => {
        // Another replica created it first.
        if (error instanceof SsoError && error.code === 'conflict') return null;
        if (error instanceof SsoError && error.fieldErrors) {
          // The users' rules apply to the first admin too; name the settings, not API fields.
          const problems = error.fieldErrors.map((e) => e.message).join('; ');
          throw new Error(`SSO_ADMIN_EMAIL / SSO_ADMIN_PASSWORD: ${problems}`);
        }
        throw error;
      });
    if (user) new Logger('Admin').log({ msg: 'Created the first admin', userId: user.id });
  }
}
