import type { User } from '@nest-sso/users';
import type { Session } from './session.entity';

/** One of the user's memberships, as the session check reads it (for `POST /authorize`). */
export interface SessionMembership {
  id: string;
  accountId: string;
  accountName: string;
  permissions: string[];
  createdAt: Date;
  accountCreatedAt: Date;
}

/** An active session with its user and the user's memberships: what a session check yields. */
export type ActiveSession = Session & { user: User; memberships: SessionMembership[] };
