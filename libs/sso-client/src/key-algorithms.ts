import type { KeyObject } from 'node:crypto';
import type { ResolvedKey } from './key-sources/key-source';

/** JWS algorithms this library verifies (RFC 7518 section 3.1, RFC 8037 section 3.1). */
export const SUPPORTED_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
export type SsoAlgorithm = (typeof SUPPORTED_ALGORITHMS)[number];

/**
 * The default allow-list: every algorithm a nest-sso server can sign with (RSA keys with
 * `SSO_ENCODE_ALGORITHM`, EC P-256 keys with ES256, Ed25519 keys with EdDSA), so that rotating the
 * server to another key type never breaks a service. Safe because each token is checked against
 * its key's type and JWK `alg`, never against the token header alone.
 */
export const DEFAULT_ALGORITHMS: readonly SsoAlgorithm[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'EdDSA',
];

/** Curves of the ECDSA algorithms (RFC 7518 section 3.4), by OpenSSL name. */
const CURVES: Record<string, string> = {
  ES256: 'prime256v1',
  ES384: 'secp384r1',
  ES512: 'secp521r1',
};

/**
 * Whether a token signed with `alg` may be verified with `resolved`: the JWK's own `alg`, when the
 * key source has one, must be `alg`, and the key type must fit it in any case (RSA for RS*,
 * RSA or RSA-PSS for PS*, the algorithm's curve for ES*, Ed25519 for EdDSA). This is what closes
 * algorithm confusion: the token header alone never picks how a key is used.
 */
export function keyAcceptsAlgorithm(resolved: ResolvedKey, alg: string): boolean {
  if (resolved.algorithm !== undefined && resolved.algorithm !== alg) return false;
  return keyTypeFits(resolved.key, alg);
}

/** Whether `key`'s type (JWK `kty`/`crv`) can verify `alg`. */
export function keyTypeFits(key: KeyObject, alg: string): boolean {
  const type = key.asymmetricKeyType;
  switch (alg) {
    case 'RS256':
    case 'RS384':
    case 'RS512':
      return type === 'rsa';
    case 'PS256':
    case 'PS384':
    case 'PS512':
      return type === 'rsa' || type === 'rsa-pss';
    case 'ES256':
    case 'ES384':
    case 'ES512':
      return type === 'ec' && key.asymmetricKeyDetails?.namedCurve === CURVES[alg];
    case 'EdDSA':
      return type === 'ed25519';
    default:
      return false;
  }
}
