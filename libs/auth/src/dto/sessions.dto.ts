import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { Optional } from '@nest-sso/common';
import type { Session } from '@nest-sso/sessions';

/** Query of `DELETE /sessions`. */
export class RevokeAllQueryDto {
  /** `true` keeps the session making the request. */
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Keep the calling session' })
  @Optional()
  @IsIn(['true', 'false'], { message: 'keep_current must be true or false' })
  keep_current?: 'true' | 'false';
}

export class SessionDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  client_id: string;

  @ApiProperty()
  user_agent: string;

  @ApiProperty({ type: String, nullable: true })
  ip_address: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_used_at: string | null;

  /** Whether this is the session making the request. */
  @ApiProperty({ description: 'Whether this is the session making the request' })
  current: boolean;
}

export class SessionListDto {
  @ApiProperty({ type: [SessionDto] })
  sessions: SessionDto[];

  @ApiProperty({ description: 'Active sessions in all, over every page', example: 3 })
  total: number;
}

export class RevokedCountDto {
  @ApiProperty({ example: 2 })
  revoked: number;
}

export class PasswordChangedDto {
  @ApiProperty({ example: 1, description: 'Other sessions of the user that were ended' })
  revoked_sessions: number;
}

export function toSessionDto(session: Session, currentId: string): SessionDto {
  return {
    id: session.id,
    client_id: session.clientId,
    user_agent: session.userAgent,
    ip_address: session.ipAddress,
    created_at: session.createdAt.toISOString(),
    last_used_at: session.lastUsedAt?.toISOString() ?? null,
    current: session.id === currentId,
  };
}
