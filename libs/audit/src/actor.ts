/**
 * The door an action came through: the self-service HTTP API (`api`), the admin API
 * (`admin_api`), the command line (`cli`), or the server itself (`system`, background jobs).
 */
export type AuditChannel = 'api' | 'admin_api' | 'cli' | 'system';

/** Who acted and from where, recorded with every audit event. */
export interface Actor {
  /** The acting user's id; `null` at the CLI, for the system, and for a login naming no user. */
  readonly userId: string | null;
  readonly via: AuditChannel;
  /** The client's IP address; `null` off HTTP. */
  readonly ipAddress: string | null;
  /** The session the actor acts through (an administrator's own session), if any. */
  readonly sessionId?: string | null;
}

/** The actors of each door. */
export const Actors = {
  /** A user acting on their own behalf through the API (or a login attempt, `null` if unknown). */
  user: (userId: string | null, ipAddress?: string | null): Actor => ({
    userId,
    via: 'api',
    ipAddress: ipAddress ?? null,
  }),
  /** An administrator, through the admin API, with the session their admin token belongs to. */
  admin: (userId: string, sessionId: string, ipAddress?: string | null): Actor => ({
    userId,
    via: 'admin_api',
    ipAddress: ipAddress ?? null,
    sessionId,
  }),
  /** An operator at the command line. */
  cli: (): Actor => ({ userId: null, via: 'cli', ipAddress: null }),
  /** The server itself. */
  system: (): Actor => ({ userId: null, via: 'system', ipAddress: null }),
} as const;
