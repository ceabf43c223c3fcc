import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions } from '@nestjs/swagger';
import { IsArray, IsBoolean, IsString } from 'class-validator';
import type { Membership } from '@nest-sso/accounts';
import { Optional } from '@nest-sso/common';
import type { Session } from '@nest-sso/sessions';
import {
  EMAIL_MAX_LENGTH,
  MAX_PERMISSIONS,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  User,
  USERNAME_MAX_LENGTH,
} from '@nest-sso/users';

/*
 * The DTOs check the shape of a request (types, no unknown fields, no nulls); the rules of the
 * values themselves (email syntax, lengths after normalisation, username characters, permission
 * syntax) belong to the domain services, so that the CLI and the importer get the same answers.
 */

const EMAIL_DOC = { maxLength: EMAIL_MAX_LENGTH, description: 'Normalised (NFKC, lower case)' };
const USERNAME_DOC = {
  maxLength: USERNAME_MAX_LENGTH,
  description:
    "Letters, digits and @ . + - _ (Django's default usernames), normalised (NFKC, lower case)",
};
const PASSWORD_DOC = {
  minLength: PASSWORD_MIN_LENGTH,
  maxLength: PASSWORD_MAX_LENGTH,
  description: 'Counted in characters after Unicode NFC normalisation',
};
const PERMISSIONS_DOC: ApiPropertyOptions = {
  type: [String],
  maxItems: MAX_PERMISSIONS,
  example: ['reports:view'],
  description: 'Each 1 to 100 of A-Z a-z 0-9 . _ : * -',
};

const IsStringArray = (field: string): PropertyDecorator => {
  const array = IsArray({ message: `${field} must be an array of strings` });
  const strings = IsString({ each: true, message: `${field} must be an array of strings` });
  return (target, key) => {
    array(target, key);
    strings(target, key);
  };
};

export class CreateUserDto {
  @ApiProperty({ example: 'bob@example.com', ...EMAIL_DOC })
  @IsString({ message: 'email must be a string' })
  email: string;

  @ApiProperty(PASSWORD_DOC)
  @IsString({ message: 'password must be a string' })
  password: string;

  @ApiPropertyOptional(USERNAME_DOC)
  @Optional()
  @IsString({ message: 'username must be a string' })
  username?: string;

  @ApiPropertyOptional(PERMISSIONS_DOC)
  @Optional()
  @IsStringArray('permissions')
  permissions?: string[];
}

export class UpdateUserDto {
  @ApiPropertyOptional(EMAIL_DOC)
  @Optional()
  @IsString({ message: 'email must be a string' })
  email?: string;

  @ApiPropertyOptional(USERNAME_DOC)
  @Optional()
  @IsString({ message: 'username must be a string' })
  username?: string;

  @ApiPropertyOptional(PERMISSIONS_DOC)
  @Optional()
  @IsStringArray('permissions')
  permissions?: string[];

  @ApiPropertyOptional({ description: 'false deactivates the user and ends all their sessions' })
  @Optional()
  @IsBoolean({ message: 'is_active must be true or false' })
  is_active?: boolean;
}

export class SetPasswordDto {
  @ApiProperty(PASSWORD_DOC)
  @IsString({ message: 'password must be a string' })
  password: string;
}

export class CreateAccountDto {
  @ApiProperty({ example: 'acme', maxLength: 100 })
  @IsString({ message: 'name must be a string' })
  name: string;
}

export class SetMembershipDto {
  @ApiProperty(PERMISSIONS_DOC)
  @IsStringArray('permissions')
  permissions: string[];
}

export class AdminUserDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty({ type: String, nullable: true }) username: string | null;
  @ApiProperty({ type: [String] }) permissions: string[];
  @ApiProperty() is_active: boolean;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class AdminUserListDto {
  @ApiProperty({ type: [AdminUserDto] }) users: AdminUserDto[];
  @ApiProperty() total: number;
}

export class AdminAccountDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
}

export class AdminMembershipDto {
  @ApiProperty({ format: 'uuid' }) user_id: string;
  @ApiProperty({ format: 'uuid' }) account_id: string;
  @ApiProperty() account_name: string;
  @ApiProperty({ type: [String] }) permissions: string[];
}

export class AdminSessionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() client_id: string;
  @ApiProperty() user_agent: string;
  @ApiProperty({ type: String, nullable: true }) ip_address: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) last_used_at: string | null;
}

export class AdminSessionListDto {
  @ApiProperty({ type: [AdminSessionDto] }) sessions: AdminSessionDto[];
  @ApiProperty({ description: 'Active sessions in all, over every page' }) total: number;
}

export const toAdminUser = (u: User): AdminUserDto => ({
  id: u.id,
  email: u.email,
  username: u.username,
  permissions: u.permissions,
  is_active: u.isActive,
  created_at: u.createdAt.toISOString(),
});

export const toAdminMembership = (m: Membership): AdminMembershipDto => ({
  user_id: m.userId,
  account_id: m.accountId,
  account_name: m.account?.name ?? '',
  permissions: m.permissions,
});

export const toAdminSession = (s: Session): AdminSessionDto => ({
  id: s.id,
  client_id: s.clientId,
  user_agent: s.userAgent,
  ip_address: s.ipAddress,
  created_at: s.createdAt.toISOString(),
  last_used_at: s.lastUsedAt?.toISOString() ?? null,
});
