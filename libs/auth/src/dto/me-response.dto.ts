import type { Membership } from '@nest-sso/accounts';
import type { User } from '@nest-sso/users';

/** Body of `GET /me`: the caller's profile and memberships, never the password hash. */
export interface MeResponseDto {
  id: string;
  email: string;
  username: string | null;
  permissions: string[];
  memberships: { account_id: string; account_name: string; permissions: string[] }[];
  session_id: string;
}

export function toMeResponse(
  user: User,
  memberships: Membership[],
  sessionId: string,
): MeResponseDto {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    permissions: user.permissions,
    memberships: memberships.map((m) => ({
      account_id: m.accountId,
      account_name: m.account?.name ?? '',
      permissions: m.permissions,
    })),
    session_id: sessionId,
  };
}
