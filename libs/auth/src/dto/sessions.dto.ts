import { IsIn, IsOptional } from 'class-validator';
import type { Session } from '@nest-sso/sessions';

/** Query of `DELETE /sessions`. */
export class RevokeAllQueryDto {
  /** `true` keeps the session making the request. */
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'keep_current must be true or false' })
  keep_current?: 'true' | 'false';
}

export interface SessionDto {
  id: string;
  client_id: string;
  user_agent: string;
  ip_address: string | null;
  created_at: string;
  last_used_at: string | null;
  /** Whether this is the session making the request. */
  current: boolean;
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
