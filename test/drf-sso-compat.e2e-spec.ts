import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountWithMember, createUser } from './support/factories';
import { authorize, login } from './support/http';
import { PYTHON } from './support/prerequisites';
import { startTestApp, TEST_IDENTITY, TestApp } from './support/test-app';

const VERIFIER = join(__dirname, 'drf-sso', 'verify_token.py');

describe('djangorestframework-sso compatibility', () => {
  let t: TestApp;
  let settings: string;

  beforeAll(async () => {
    t = await startTestApp();
    // The Django side holds only the public key file, under the same name (so the same kid).
    const root = mkdtempSync(join(tmpdir(), 'drf-sso-keys-'));
    writeFileSync(join(root, t.key.file), t.key.publicPem);
    settings = JSON.stringify({
      IDENTITY: TEST_IDENTITY,
      KEY_STORE_ROOT: root,
      PUBLIC_KEYS: { [TEST_IDENTITY]: [t.key.file] },
      ACCEPTED_ISSUERS: [TEST_IDENTITY],
      DECODE_ALGORITHMS: ['RS256'],
      EXPIRATION_LEEWAY: 0,
    });
  });
  afterAll(() => t.close());

  const drfVerify = (token: string): { ok: boolean; output: string } => {
    try {
      return {
        ok: true,
        output: execFileSync(PYTHON, [VERIFIER, settings], { input: token, encoding: 'utf8' }),
      };
    } catch (error) {
      return { ok: false, output: String((error as { stdout?: string }).stdout) };
    }
  };

  it("should have its authorization and session tokens accepted by DRF-SSO's verifier", async () => {
    const user = await createUser(t.app);
    const account = await createAccountWithMember(t.app, user, ['orders:read']);
    const session = await login(t.app, user.email);
    const token = await authorize(t.app, session, account.name);

    const auth = drfVerify(token);
    expect(auth.ok, auth.output).toBe(true);
    expect(JSON.parse(auth.output)).toMatchObject({
      token: 'auth',
      uid: user.id,
      scopes: ['orders:read'],
    });
    const sessionResult = drfVerify(session);
    expect(sessionResult.ok, sessionResult.output).toBe(true);
  });

  it('should be refused by the same verifier once tampered with', async () => {
    const user = await createUser(t.app);
    const token = await authorize(t.app, await login(t.app, user.email));
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    const forged = Buffer.from(JSON.stringify({ ...claims, scopes: ['sso:admin'] })).toString(
      'base64url',
    );

    const result = drfVerify(`${header}.${forged}.${signature}`);
    expect(result.ok).toBe(false);
    expect(result.output).toContain('InvalidSignatureError');
  });
});
