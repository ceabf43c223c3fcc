import { createRemoteJWKSet, jwtVerify } from 'jose';

const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** Whose sessions a valid logout token ends. */
export interface LogoutSubject {
  sid: string | undefined;
  sub: string | undefined;
}

/**
 * Validates logout tokens (OIDC Back-Channel Logout 1.0, section 2.6) with jose: the signature
 * against the provider's JWKS, with the algorithm, issuer, audience (this client) and the
 * `logout+jwt` type all pinned, a recent `iat`, the back-channel logout event, `sid` or `sub`,
 * no `nonce` (so an ID token can never pass for one), and each `jti` used once.
 */
export class LogoutTokenVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  private readonly seen = new Map<string, number>();

  constructor(
    jwksUri: URL,
    private readonly expected: { issuer: string; audience: string; algorithm: string },
  ) {
    this.jwks = createRemoteJWKSet(jwksUri);
  }

  /** Throws (a jose error or an `Error`) for any token that is not a valid, fresh logout token. */
  async verify(token: string): Promise<LogoutSubject> {
    const { payload } = await jwtVerify(token, this.jwks, {
      algorithms: [this.expected.algorithm],
      issuer: this.expected.issuer,
      audience: this.expected.audience,
      typ: 'logout+jwt',
      requiredClaims: ['iat', 'jti'],
      maxTokenAge: '5 minutes',
      clockTolerance: '30 seconds',
    });
    const events = payload.events as Record<string, unknown> | undefined;
    const event = events?.[BACKCHANNEL_LOGOUT_EVENT];
    if (typeof event !== 'object' || event === null || Array.isArray(event))
      throw new Error('not a back-channel logout event');
    if ('nonce' in payload) throw new Error('a logout token has no nonce');
    const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
    const sub = typeof payload.sub === 'string' ? payload.sub : undefined;
    if (sid === undefined && sub === undefined) throw new Error('neither sid nor sub');
    this.rememberOnce(payload.jti as string);
    return { sid, sub };
  }

  private rememberOnce(jti: string): void {
    const now = Date.now();
    // Past maxTokenAge (plus tolerance) a token is refused anyway, so older ids can go.
    for (const [id, at] of this.seen) if (now - at > 6 * 60_000) this.seen.delete(id);
    if (this.seen.has(jti)) throw new Error('logout token replayed');
    this.seen.set(jti, now);
  }
}
