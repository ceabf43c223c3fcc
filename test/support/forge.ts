import { randomUUID, sign } from 'node:crypto';
import { SignJWT } from 'jose';
import type { KeyObject } from 'node:crypto';

/** Signs arbitrary claims with a test key, independently of the server's code. */
export function forgeToken(
  key: KeyObject,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...header }).sign(key);
}

/** The claims of a valid-looking session token for `uid`/`sid`, to be altered by a test. */
export function sessionClaims(
  issuer: string,
  uid: string,
  sid: string = randomUUID(),
): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    token: 'session',
    sid,
    cid: '',
    uid,
    email: 'x@example.com',
    iss: issuer,
    aud: [issuer],
    iat: now,
    sub: uid,
    jti: randomUUID(),
  };
}

/** Builds an unsigned JWT string from parts, for hand-made malformed tokens. */
export function rawToken(header: object, payload: object, signature = ''): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(payload)}.${signature}`;
}

/** RS256-signs any header and payload with node:crypto, for headers jose refuses to produce. */
export function signRaw(key: KeyObject, header: object, payload: object): string {
  const unsigned = rawToken({ alg: 'RS256', typ: 'JWT', ...header }, payload).slice(0, -1);
  const signature = sign('sha256', Buffer.from(unsigned), key).toString('base64url');
  return `${unsigned}.${signature}`;
}
