import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  MaxLength,
  MinLength,
} from 'class-validator';
import type { OidcClient } from '@nest-sso/oidc';

/** A client as the admin API and `clients:list --json` show it (never its secret or hash). */
export interface AdminClient {
  id: string;
  name: string;
  type: 'public' | 'confidential';
  firstParty: boolean;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUri: string | null;
  permissions: string[];
  createdAt: string;
  updatedAt: string;
}

export function toAdminClient(client: OidcClient): AdminClient {
  return {
    id: client.id,
    name: client.name,
    type: client.type,
    firstParty: client.firstParty,
    redirectUris: client.redirectUris,
    postLogoutRedirectUris: client.postLogoutRedirectUris,
    backchannelLogoutUri: client.backchannelLogoutUri,
    permissions: client.permissions,
    createdAt: client.createdAt.toISOString(),
    updatedAt: client.updatedAt.toISOString(),
  };
}

/** Body of `PATCH /admin/clients/:id` (every field optional). */
export class UpdateClientDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString({ message: 'name must be a string' })
  @MinLength(1, { message: 'name must not be empty' })
  @MaxLength(100, { message: 'name must be at most 100 characters' })
  name?: string;

  @ApiPropertyOptional({ type: [String], description: 'compared exactly' })
  @IsOptional()
  @IsArray({ message: 'redirectUris must be a list' })
  @ArrayMaxSize(20, { message: 'at most 20 redirect URIs' })
  @IsString({ each: true, message: 'each redirect URI must be a string' })
  @MaxLength(2000, { each: true, message: 'a URI must be at most 2000 characters' })
  redirectUris?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray({ message: 'postLogoutRedirectUris must be a list' })
  @ArrayMaxSize(20, { message: 'at most 20 post-logout redirect URIs' })
  @IsString({ each: true, message: 'each URI must be a string' })
  @MaxLength(2000, { each: true, message: 'a URI must be at most 2000 characters' })
  postLogoutRedirectUris?: string[];

  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @IsString({ message: 'backchannelLogoutUri must be a string' })
  @MaxLength(2000, { message: 'a URI must be at most 2000 characters' })
  backchannelLogoutUri?: string | null;

  @ApiPropertyOptional({ enum: ['public', 'confidential'] })
  @IsOptional()
  @IsIn(['public', 'confidential'], { message: 'type must be "public" or "confidential"' })
  type?: 'public' | 'confidential';

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean({ message: 'firstParty must be a boolean' })
  firstParty?: boolean;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray({ message: 'permissions must be a list' })
  @ArrayMaxSize(100, { message: 'at most 100 permissions' })
  @IsString({ each: true, message: 'each permission must be a string' })
  @MaxLength(100, { each: true, message: 'a permission must be at most 100 characters' })
  permissions?: string[];
}

/** Body of `POST /admin/clients`. */
export class CreateClientDto extends UpdateClientDto {
  @ApiProperty({ maxLength: 100 })
  @IsString({ message: 'name must be a string' })
  @MinLength(1, { message: 'name must not be empty' })
  @MaxLength(100, { message: 'name must be at most 100 characters' })
  declare name: string;

  @ApiProperty({ type: [String], description: 'compared exactly' })
  @IsArray({ message: 'redirectUris must be a list' })
  @ArrayMaxSize(20, { message: 'at most 20 redirect URIs' })
  @IsString({ each: true, message: 'each redirect URI must be a string' })
  @MaxLength(2000, { each: true, message: 'a URI must be at most 2000 characters' })
  declare redirectUris: string[];
}
