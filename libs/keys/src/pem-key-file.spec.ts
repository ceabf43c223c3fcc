import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyFileError } from './keys.errors';
import { parsePemKeyFile } from './pem-key-file';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pkcs8 = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const pkcs1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const spki = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const pkcs1Public = rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();

/** The parsed pair signs and verifies with the original key material. */
function expectSamePair(pair: ReturnType<typeof parsePemKeyFile>) {
  const data = Buffer.from('payload');
  expect(verify('sha256', data, pair.publicKey, sign('sha256', data, rsa.privateKey))).toBe(true);
  if (pair.privateKey)
    expect(verify('sha256', data, rsa.publicKey, sign('sha256', data, pair.privateKey))).toBe(true);
}

describe(parsePemKeyFile.name, () => {
  it.each([
    ['a PKCS#8 private key alone', pkcs8, true],
    ['a PKCS#1 private key alone', pkcs1, true],
    ['an SPKI public key', spki, false],
    ['a PKCS#1 public key', pkcs1Public, false],
    ['a combined private + public file (DRF-SSO style)', pkcs8 + spki, true],
    ['a combined file, public key first', pkcs1Public + pkcs1, true],
  ])('should read %s', (_, pem, hasPrivate) => {
    const pair = parsePemKeyFile('k.pem', pem);
    expect(pair.privateKey !== null).toBe(hasPrivate);
    expectSamePair(pair);
  });

  it('should read the public key of an X.509 certificate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cert-'));
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', keyFile],
      { stdio: 'ignore' },
    );
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-new',
        '-key',
        keyFile,
        '-subj',
        '/CN=sso.test',
        '-days',
        '1',
        '-out',
        certFile,
      ],
      { stdio: 'ignore' },
    );
    const pair = parsePemKeyFile('cert.pem', readFileSync(certFile, 'utf8'));
    const fromKey = parsePemKeyFile('key.pem', readFileSync(keyFile, 'utf8'));
    expect(pair.privateKey).toBeNull();
    expect(pair.publicKey.equals(fromKey.publicKey)).toBe(true);
  });

  it.each([
    ['no PEM block', 'hello', 'holds no PEM block'],
    [
      'a damaged key',
      '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----',
      'cannot be parsed',
    ],
    [
      'an unsupported block',
      '-----BEGIN DH PARAMETERS-----\nAAAA\n-----END DH PARAMETERS-----',
      'unsupported PEM block',
    ],
    [
      'a public key of another pair',
      pkcs8 +
        generateKeyPairSync('rsa', { modulusLength: 2048 })
          .publicKey.export({ type: 'spki', format: 'pem' })
          .toString(),
      'does not match its private key',
    ],
    [
      'an encrypted private key',
      rsa.privateKey.export({
        type: 'pkcs8',
        format: 'pem',
        cipher: 'aes-256-cbc',
        passphrase: 'x',
      }),
      'encrypted private key',
    ],
  ])('should refuse %s, naming the file', (_, pem, problem) => {
    expect(() => parsePemKeyFile('/keys/bad.pem', String(pem))).toThrow(KeyFileError);
    expect(() => parsePemKeyFile('/keys/bad.pem', String(pem))).toThrow(`Key file /keys/bad.pem: `);
    expect(() => parsePemKeyFile('/keys/bad.pem', String(pem))).toThrow(problem);
  });

  it('should read the activation time written outside the PEM blocks', () => {
    const pair = parsePemKeyFile('k.pem', `Activate-At: 2026-12-01T09:30:00Z\n${pkcs8}`);
    expect(pair.activateAt?.toISOString()).toBe('2026-12-01T09:30:00.000Z');
    expect(parsePemKeyFile('k.pem', pkcs8).activateAt).toBeNull();
  });

  it('should refuse an activation time that is not a date, naming the file', () => {
    expect(() => parsePemKeyFile('/keys/k.pem', `Activate-At: tomorrow\n${pkcs8}`)).toThrow(
      'Key file /keys/k.pem: has an Activate-At time that is not an ISO 8601 date ("tomorrow")',
    );
  });
});
