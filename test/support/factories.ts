import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { AccountsService } from '@nest-sso/accounts';
import { User, UsersService } from '@nest-sso/users';

export const TEST_PASSWORD = 'correct horse battery staple';

/** A new user with a unique email and username. */
export function createUser(
  app: INestApplication,
  overrides: { permissions?: string[]; password?: string; username?: string; email?: string } = {},
): Promise<User> {
  const tag = randomUUID().slice(0, 8);
  return app.get(UsersService).create({
    email: overrides.email ?? `user-${tag}@example.com`,
    username: overrides.username ?? `user_${tag}`,
    password: overrides.password ?? TEST_PASSWORD,
    permissions: overrides.permissions ?? [],
  });
}

/** A new account with a unique name, with `user` as a member holding `permissions`. */
export async function createAccountWithMember(
  app: INestApplication,
  user: User,
  permissions: string[],
) {
  const accounts = app.get(AccountsService);
  const account = await accounts.create(`acme-${randomUUID().slice(0, 8)}`);
  await accounts.setMembership(account.id, user.id, permissions);
  return account;
}
