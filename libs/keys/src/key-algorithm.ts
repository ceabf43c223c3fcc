import type { KeyObject } from 'node:crypto';
import type { KeyAlgorithm, SigningAlgorithm } from '@nest-sso/config';
import type { KeySet } from './key-set';
import { KeyFileError } from './keys.errors';

const MIN_RSA_BITS = 2048;

/**
 * The one algorithm a key signs and verifies with. Binding the algorithm to the key (rather than
 * trusting the token header) closes algorithm-confusion attacks: a token is verified only with the
 * algorithm of the key its kid names. Refuses key types and sizes that are not safe to use.
 */
export function algorithmFor(
  file: string,
  key: KeyObject,
  rsaAlgorithm: SigningAlgorithm,
): KeyAlgorithm {
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (bits < MIN_RSA_BITS) {
        throw new KeyFileError(
          file,
          `holds a ${bits}-bit RSA key; at least ${MIN_RSA_BITS} bits are required`,
        );
      }
      return rsaAlgorithm;
    }
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve !== 'prime256v1') {
        throw new KeyFileError(
          file,
          `holds an EC key on curve ${curve ?? 'unknown'}; only P-256 (ES256) is supported`,
        );
      }
      return 'ES256';
    }
    case 'ed25519':
      return 'EdDSA';
    default:
      throw new KeyFileError(
        file,
        `holds a ${key.asymmetricKeyType ?? 'unknown'} key; use RSA (2048 bits or more), EC P-256 or Ed25519`,
      );
  }
}

/**
 * The warning `keys:generate` gives when the new key of `issuer` signs with another algorithm
 * than its current signing key, or `null` when it signs with the same one (or nothing signs yet).
 * Verifiers that pin algorithms refuse every token of such a key from its activation on, so they
 * must be ready before it activates.
 */
export function algorithmChangeWarning(
  keySet: KeySet,
  issuer: string,
  newAlgorithm: KeyAlgorithm,
  now = Date.now(),
): string | null {
  const current = keySet.signingKey(issuer, now);
  if (!current || current.algorithm === newAlgorithm) return null;
  return (
    `the new key signs with ${newAlgorithm}, while "${issuer}" signs with ${current.algorithm} now ` +
    `(kid ${current.kid}). Every service that verifies these tokens must accept ${newAlgorithm} ` +
    `before the new key activates: @nest-sso/sso-client 0.2 or later does at its default options ` +
    `(a service that sets "algorithms" must list it); djangorestframework-sso services must list it ` +
    `in DECODE_ALGORITHMS${newAlgorithm === 'EdDSA' ? ' and have PyJWT with the cryptography package' : ''}; ` +
    'other JWT libraries must support it. See "Rotation runbook".'
  );
}
