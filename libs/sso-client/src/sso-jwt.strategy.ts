import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { KeyObject } from 'node:crypto';
import type { Request } from 'express';
import { decode } from 'jsonwebtoken';
import { Strategy } from 'passport-jwt';
import type { KeySource } from './key-sources/key-source';
import type { SsoAuth, SsoClaims } from './sso-auth';
import { SsoClientError } from './sso-client.errors';
import { SSO_CLIENT_OPTIONS, SsoClientOptions } from './sso-client.options';
import { VerifiedTokenCache } from './verified-token-cache';

export const SSO_JWT_STRATEGY = 'nest-sso-jwt';
/** Injection token of the `KeySource`. */
export const SSO_KEY_SOURCE = Symbol('SSO_KEY_SOURCE');

/** Where the key provider leaves the token and its key for `validate` (one request's scratch). */
const VERIFYING = Symbol('nest-sso.verifying');
type VerifyingRequest = Request & {
  [VERIFYING]?: { token: string; issuer: string; kid: string | undefined; key: KeyObject };
};

/** `Authorization: JWT <token>` (djangorestframework-sso) or `Authorization: Bearer <token>`. */
export function tokenFromRequest(request: Request): string | null {
  const match = /^(?:JWT|Bearer)\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match ? match[1] : null;
}

/**
 * passport-jwt, with the key resolved by (iss, kid) to a cached `KeyObject` (never a PEM string
 * parsed per request), and algorithms, issuers and audience pinned.
 */
@Injectable()
export class SsoJwtStrategy extends PassportStrategy(Strategy, SSO_JWT_STRATEGY) {
  constructor(
    @Inject(SSO_CLIENT_OPTIONS) private readonly options: SsoClientOptions,
    @Inject(SSO_KEY_SOURCE) keySource: KeySource,
    private readonly verifications: VerifiedTokenCache,
  ) {
    super({
      passReqToCallback: true,
      jwtFromRequest: tokenFromRequest,
      issuer: options.acceptedIssuers,
      audience: options.identity,
      algorithms: options.algorithms ?? ['RS256'],
      jsonWebTokenOptions: { clockTolerance: options.leeway ?? 0 },
      secretOrKeyProvider: (request: VerifyingRequest, token: string, done) => {
        resolveKey(keySource, options.acceptedIssuers, token).then(
          ({ issuer, kid, key }) => {
            request[VERIFYING] = { token, issuer, kid, key };
            // jsonwebtoken takes a KeyObject as it is; the typings only list PEM strings and buffers.
            done(null, key as unknown as string);
          },
          (error: unknown) => done(error),
        );
      },
    });
  }

  /** passport-jwt calls this once the signature and registered claims check out. */
  async validate(request: VerifyingRequest, claims: SsoClaims): Promise<SsoAuth> {
    const auth = await this.authFromClaims(claims);
    const verifying = request[VERIFYING];
    if (verifying) {
      delete request[VERIFYING];
      this.verifications.remember(verifying.token, { claims, ...verifying });
    }
    return auth;
  }

  /** Checks the token type and claims of verified claims, then maps them to `SsoAuth`. */
  async authFromClaims(claims: SsoClaims): Promise<SsoAuth> {
    const allowed = this.options.acceptSessionTokens ? ['auth', 'session'] : ['auth'];
    if (!allowed.includes(claims.token)) {
      throw new SsoClientError('wrong_token_type', 'An authorization token is required here');
    }
    if (typeof claims.sid !== 'string' || typeof claims.uid !== 'string' || claims.uid === '') {
      throw new SsoClientError('invalid_token', 'The token lacks its session or user id');
    }
    let user: unknown;
    if (this.options.authenticatePayload) {
      user = await this.options.authenticatePayload(claims);
      if (user === null || user === undefined)
        throw new SsoClientError('invalid_token', 'The token names no known user');
    }
    return {
      uid: claims.uid,
      sid: claims.sid,
      email: claims.email,
      cid: claims.cid ?? '',
      account: typeof claims.account === 'string' ? claims.account : null,
      scopes: Array.isArray(claims.scopes)
        ? claims.scopes.filter((s): s is string => typeof s === 'string')
        : [],
      issuer: claims.iss,
      claims,
      user,
    };
  }
}

/** The issuer picks the key set, the kid the key; the key's own algorithm must match the header. */
async function resolveKey(keySource: KeySource, acceptedIssuers: string[], token: string) {
  const decoded = decode(token, { complete: true });
  const issuer = decoded && typeof decoded.payload === 'object' ? decoded.payload.iss : undefined;
  if (!decoded || typeof issuer !== 'string')
    throw new SsoClientError('invalid_token', 'The token is malformed');
  if (!acceptedIssuers.includes(issuer))
    throw new SsoClientError('invalid_token', 'The token issuer is not accepted');
  const resolved = await keySource.getKey(issuer, decoded.header.kid);
  if (!resolved)
    throw new SsoClientError('invalid_token', 'The token was signed with an unknown key');
  if (resolved.algorithm !== undefined && resolved.algorithm !== decoded.header.alg) {
    throw new SsoClientError('invalid_token', 'The token algorithm is not accepted');
  }
  return { issuer, kid: decoded.header.kid, key: resolved.key };
}
