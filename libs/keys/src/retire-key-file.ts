import { rename, writeFile } from 'node:fs/promises';
import { KeyConfigurationError, KeyNotFoundError } from './keys.errors';
import { loadKeySet } from './load-key-set';

/**
 * Retires a key for good: its file is rewritten with the public key only, so it keeps verifying
 * the tokens it signed but can never sign again, and the private key is gone from disk. Refused
 * when no other key could sign for the issuer right now.
 */
export async function retireKeyFile(
  config: Parameters<typeof loadKeySet>[0],
  issuer: string,
  kid: string,
): Promise<string> {
  const { keySet } = await loadKeySet(config, { generate: false });
  const key = keySet.keysOf(issuer).find((k) => k.kid === kid);
  if (!key) throw new KeyNotFoundError(issuer, kid);
  if (!key.privateKey) return `${kid} is already retired: its file holds no private key`;
  const now = Date.now();
  const successor = keySet
    .keysOf(issuer)
    .find(
      (k) =>
        k.kid !== kid &&
        k.privateKey !== null &&
        (k.activateAt === null || k.activateAt.getTime() <= now),
    );
  if (keySet.signingKey(issuer, now)?.kid === kid && !successor) {
    throw new KeyConfigurationError(
      `${kid} is the only key that can sign for "${issuer}" now: generate and activate its successor first`,
    );
  }
  const temporary = `${key.file}.retiring`;
  await writeFile(temporary, key.publicKey.export({ type: 'spki', format: 'pem' }).toString(), {
    mode: 0o600,
  });
  await rename(temporary, key.file);
  return `Retired ${kid}: ${key.file} now holds only its public key (it verifies, and never signs again)`;
}
