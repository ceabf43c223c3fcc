import type { KeyObject } from 'node:crypto';
import type { KeyAlgorithm, SigningAlgorithm } from '@nest-sso/config';
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
