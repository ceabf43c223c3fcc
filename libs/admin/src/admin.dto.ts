import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import type { Membership } from '@nest-sso/accounts';
import type { Session } from '@nest-sso/sessions';
import type { User } from '@nest-sso/users';

const PERMISSION = /^[A-Za-z0-9._:*-]{1,100}$/;
const permissionsRules = () => [
  IsArray({ message: 'permissions must be an array of strings' }),
  ArrayMaxSize(100, { message: 'permissions may hold at most 100 entries' }),
  Matches(PERMISSION, {
    each: true,
    message: 'each permission is 1 to 100 of A-Z a-z 0-9 . _ : * -',
  }),
];
const apply =
  (...decorators: PropertyDecorator[]): PropertyDecorator =>
  (target, key) => {
    for (const decorator of decorators) decorator(target, key);
  };

export class CreateUserDto {
  @ApiProperty({ example: 'bob@example.com', maxLength: 254 })
  @IsEmail({}, { message: 'email must be an email address' })
  @Length(3, 254, { message: 'email must be 3 to 254 characters' })
  email: string;

  @ApiProperty({ minLength: 8, maxLength: 1024 })
  @IsString({ message: 'password must be a string' })
  @Length(8, 1024, { message: 'password must be 8 to 1024 characters' })
  password: string;

  @ApiPropertyOptional({ maxLength: 150 })
  @IsOptional()
  @IsString({ message: 'username must be a string' })
  @Length(1, 150, { message: 'username must be 1 to 150 characters' })
  username?: string;

  @ApiPropertyOptional({ type: [String], example: ['reports:view'] })
  @IsOptional()
  @apply(...permissionsRules())
  permissions?: string[];
}

export class UpdateUserDto {
  @ApiPropertyOptional({ maxLength: 254 })
  @IsOptional()
  @IsEmail({}, { message: 'email must be an email address' })
  @Length(3, 254, { message: 'email must be 3 to 254 characters' })
  email?: string;

  @ApiPropertyOptional({ maxLength: 150 })
  @IsOptional()
  @IsString({ message: 'username must be a string' })
  @Length(1, 150, { message: 'username must be 1 to 150 characters' })
  username?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @apply(...permissionsRules())
  permissions?: string[];

  @ApiPropertyOptional({ description: 'false deactivates the user and ends all their sessions' })
  @IsOptional()
  @IsBoolean({ message: 'is_active must be true or false' })
  is_active?: boolean;
}

export class SetPasswordDto {
  @ApiProperty({ minLength: 8, maxLength: 1024 })
  @IsString({ message: 'password must be a string' })
  @Length(8, 1024, { message: 'password must be 8 to 1024 characters' })
  password: string;
}

export class CreateAccountDto {
  @ApiProperty({ example: 'acme', maxLength: 100 })
  @IsString({ message: 'name must be a string' })
  @Length(1, 100, { message: 'name must be 1 to 100 characters' })
  name: string;
}

export class SetMembershipDto {
  @ApiProperty({ type: [String], example: ['orders:read'] })
  @apply(...permissionsRules())
  permissions: string[];
}

export class PageQueryDto {
  @ApiPropertyOptional({ default: 50, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1, { message: 'limit must be at least 1' })
  @Max(500, { message: 'limit must be at most 500' })
  limit?: number;

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'offset must be a whole number' })
  @Min(0, { message: 'offset must be at least 0' })
  offset?: number;
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
