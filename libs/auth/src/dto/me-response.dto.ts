import { ApiProperty } from '@nestjs/swagger';
import type { Membership } from '@nest-sso/accounts';
import type { User } from '@nest-sso/users';

export class MembershipDto {
  @ApiProperty({ format: 'uuid' })
  account_id: string;

  @ApiProperty()
  account_name: string;

  @ApiProperty({ type: [String] })
  permissions: string[];
}

/** Body of `GET /me`: the caller's profile and memberships, never the password hash. */
export class MeResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  email: string;

  @ApiProperty({ type: String, nullable: true })
  username: string | null;

  @ApiProperty({ type: [String] })
  permissions: string[];

  @ApiProperty({ type: [MembershipDto] })
  memberships: MembershipDto[];

  @ApiProperty({ format: 'uuid' })
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
