import { generateKeyPairSync } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyConfigurationError, KeyFileError } from './keys.errors';
import { kidOf } from './key-names';
import { loadKeySet } from './load-key-set';

const base = {
  nodeEnv: 'development' as const,
  identity: 'sso',
  privateKeys: null,
  publicKeys: null,
  encodeAlgorithm: 'RS256' as const,
};

function keyStore(...files: [name: string, contents: 'combined' | 'public'][]): string {
  const root = mkdtempSync(join(tmpdir(), 'keys-'));
  for (const [name, contents] of files) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const spki = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const pem =
      contents === 'combined'
        ? privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() + spki
        : spki;
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), pem);
  }
  return root;
}

describe(loadKeySet.name, () => {
  it('should sign with the first private key and verify with every key, found by kid', async () => {
    const root = keyStore(
      ['sso-2026.pem', 'combined'],
      ['sso-2025.pem', 'combined'],
      ['partner/p1.pem', 'public'],
    );
    const { keySet } = await loadKeySet({
      ...base,
      keyStoreRoot: root,
      privateKeys: { sso: ['sso-2026.pem', 'sso-2025.pem'] },
      publicKeys: { partner: ['partner/p1.pem'] },
    });
    expect(keySet.signingKey('sso')?.kid).toBe('sso-2026');
    expect(keySet.keysOf('sso').map((k) => k.kid)).toEqual(['sso-2026', 'sso-2025']);
    expect(keySet.verificationKey('sso', 'sso-2025')).toBeDefined();
    expect(keySet.verificationKey('partner', 'partner/p1')).toBeDefined();
    expect(keySet.verificationKey('sso', 'partner/p1')).toBeUndefined();
    // Without a kid, the issuer's first key, as DRF-SSO does.
    expect(keySet.verificationKey('sso', undefined)?.kid).toBe('sso-2026');
    expect(keySet.issuers().sort()).toEqual(['partner', 'sso']);
    const jwks = JSON.parse(keySet.jwks.json) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual(['sso-2026', 'sso-2025']);
  });

  it('should use the newest <identity>-*.pem of the store when no key list is configured', async () => {
    const root = keyStore(
      ['sso-20250101.pem', 'combined'],
      ['sso-20260101.pem', 'combined'],
      ['other-1.pem', 'combined'],
    );
    const { keySet, generatedFile } = await loadKeySet({ ...base, keyStoreRoot: root });
    expect(generatedFile).toBeNull();
    expect(keySet.signingKey('sso')?.kid).toBe('sso-20260101');
    expect(keySet.keysOf('sso').map((k) => k.kid)).toEqual(['sso-20260101', 'sso-20250101']);
  });

  it('should generate a development key, readable by its owner only, when the store is empty', async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'keys-')), 'new');
    const { keySet, generatedFile } = await loadKeySet({
      ...base,
      identity: 'https://sso.example.com',
      keyStoreRoot: root,
    });
    const name = readdirSync(root)[0];
    expect(name).toMatch(/^https___sso\.example\.com-\d{8}\.pem$/);
    expect(generatedFile).toBe(join(root, name));
    expect(statSync(generatedFile!).mode & 0o777).toBe(0o600);
    expect(
      keySet.signingKey('https://sso.example.com')?.privateKey.asymmetricKeyDetails?.modulusLength,
    ).toBe(2048);
  });

  it('should refuse to generate a key in production', async () => {
    const root = mkdtempSync(join(tmpdir(), 'keys-'));
    await expect(
      loadKeySet({ ...base, nodeEnv: 'production', keyStoreRoot: root }),
    ).rejects.toThrow(KeyConfigurationError);
    expect(readdirSync(root)).toEqual([]);
  });

  it('should refuse a configuration with no private key for the identity', async () => {
    const root = keyStore(['p.pem', 'public']);
    await expect(
      loadKeySet({ ...base, keyStoreRoot: root, publicKeys: { sso: ['p.pem'] } }),
    ).rejects.toThrow('No private key is listed for this server\'s identity "sso"');
  });

  it('should refuse a key file outside the key store root', async () => {
    const root = keyStore();
    await expect(
      loadKeySet({ ...base, keyStoreRoot: root, privateKeys: { sso: ['../etc/key.pem'] } }),
    ).rejects.toThrow(KeyFileError);
  });

  it('should derive the kid from the file name relative to the root, without .pem', () => {
    expect(kidOf('myapp-20200410.pem')).toBe('myapp-20200410');
    expect(kidOf('tenants/acme.pem')).toBe('tenants/acme');
  });

  it('should read the key lists from keys.json when no setting names them', async () => {
    const root = keyStore(['a.pem', 'combined'], ['b.pem', 'combined'], ['p.pem', 'public']);
    writeFileSync(
      join(root, 'keys.json'),
      JSON.stringify({
        private_keys: { sso: ['b.pem', 'a.pem'] },
        public_keys: { partner: 'p.pem' },
      }),
    );
    const { keySet } = await loadKeySet({ ...base, keyStoreRoot: root });
    expect(keySet.signingKey('sso')?.kid).toBe('b');
    expect(keySet.keysOf('partner').map((k) => k.kid)).toEqual(['p']);
  });

  it('should name keys.json when it is malformed', async () => {
    const root = keyStore();
    writeFileSync(join(root, 'keys.json'), JSON.stringify({ private_keys: { sso: [] } }));
    await expect(loadKeySet({ ...base, keyStoreRoot: root })).rejects.toThrow(
      `Key file ${join(root, 'keys.json')}: private_keys must map issuer "sso" to a file name`,
    );
  });

  it('should skip a pending key when choosing the signing key, and treat a public-only file as retired', async () => {
    const root = keyStore(
      ['sso-3.pem', 'combined'],
      ['sso-2.pem', 'public'],
      ['sso-1.pem', 'combined'],
    );
    const pending = readFileSync(join(root, 'sso-3.pem'), 'utf8');
    writeFileSync(
      join(root, 'sso-3.pem'),
      `Activate-At: ${new Date(Date.now() + 60_000).toISOString()}\n${pending}`,
    );
    const { keySet } = await loadKeySet({ ...base, keyStoreRoot: root });
    const states = Object.fromEntries(keySet.keysOf('sso').map((k) => [k.kid, keySet.stateOf(k)]));
    expect(states).toEqual({ 'sso-3': 'pending', 'sso-2': 'retired', 'sso-1': 'active' });
    expect(keySet.signingKey('sso', Date.now() + 120_000)?.kid).toBe('sso-3');
    // A token without a kid falls back to the first key that is not pending.
    expect(keySet.verificationKey('sso', undefined)?.kid).toBe('sso-2');
  });

  it('should refuse a store whose only signing key is not active yet', async () => {
    const root = keyStore(['sso-1.pem', 'combined']);
    const pem = readFileSync(join(root, 'sso-1.pem'), 'utf8');
    writeFileSync(join(root, 'sso-1.pem'), `Activate-At: 2999-01-01T00:00:00Z\n${pem}`);
    await expect(loadKeySet({ ...base, keyStoreRoot: root })).rejects.toThrow(
      'No key can sign for "sso" now: none of sso-1.pem holds a private key whose activation time has come',
    );
  });

  it('should refuse a key whose algorithm SSO_DECODE_ALGORITHMS does not allow', async () => {
    const root = keyStore(['sso-1.pem', 'combined']);
    await expect(
      loadKeySet({
        ...base,
        keyStoreRoot: root,
        encodeAlgorithm: 'PS256',
        decodeAlgorithms: ['RS256', 'ES256'],
      }),
    ).rejects.toThrow(
      `Key file ${join(root, 'sso-1.pem')}: is a PS256 key, which SSO_DECODE_ALGORITHMS (RS256, ES256) does not allow`,
    );
  });
});
