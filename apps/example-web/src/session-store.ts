import { randomBytes } from 'node:crypto';

/** What the app keeps of a signed-in user: server-side only, the browser holds a random id. */
export interface WebSession {
  /** The ID token's claims (iss, sub, aud, sid, email, …). */
  claims: Record<string, unknown>;
  idToken: string;
  accessToken: string;
  refreshToken: string | undefined;
  /** Epoch milliseconds after which the access token is refreshed before use. */
  accessTokenExpiresAt: number;
}

/** A sign-in in progress: the PKCE verifier, state and nonce of one authorization request. */
export interface PendingSignIn {
  codeVerifier: string;
  state: string;
  nonce: string;
  createdAt: number;
}

const PENDING_TTL_MS = 10 * 60_000;

/**
 * In-memory sessions of one example-web process (a demo: a restart signs everyone out). Indexed
 * by the provider's session id (`sid`) too, so that a back-channel logout ends them all.
 */
export class SessionStore {
  private readonly sessions = new Map<string, WebSession>();
  private readonly pending = new Map<string, PendingSignIn>();

  create(session: WebSession): string {
    const id = randomId();
    this.sessions.set(id, session);
    return id;
  }

  get(id: string | undefined): WebSession | undefined {
    return id === undefined ? undefined : this.sessions.get(id);
  }

  delete(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(id);
  }

  /**
   * Ends every session of the provider session `sid`, or, without one, every session of the
   * subject `sub` (OIDC Back-Channel Logout 1.0, section 2.6). Returns how many ended.
   */
  endByProviderSession(sid: string | undefined, sub: string | undefined): number {
    let ended = 0;
    for (const [id, session] of this.sessions) {
      const matches =
        sid !== undefined
          ? session.claims.sid === sid
          : sub !== undefined && session.claims.sub === sub;
      if (matches) {
        this.sessions.delete(id);
        ended++;
      }
    }
    return ended;
  }

  startSignIn(signIn: Omit<PendingSignIn, 'createdAt'>): string {
    const now = Date.now();
    for (const [id, old] of this.pending)
      if (now - old.createdAt > PENDING_TTL_MS) this.pending.delete(id);
    const id = randomId();
    this.pending.set(id, { ...signIn, createdAt: now });
    return id;
  }

  /** The pending sign-in, removed: a callback is accepted once. */
  takeSignIn(id: string | undefined): PendingSignIn | undefined {
    if (id === undefined) return undefined;
    const signIn = this.pending.get(id);
    this.pending.delete(id);
    return signIn && Date.now() - signIn.createdAt <= PENDING_TTL_MS ? signIn : undefined;
  }
}

function randomId(): string {
  return randomBytes(32).toString('base64url');
}
