import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogoutTokenVerifier } from './backchannel-logout';

const ISSUER = 'http://127.0.0.1:3000';
const CLIENT = 'app-a';
const EVENT = { 'http://schemas.openid.net/event/backchannel-logout': {} };

/** Logout tokens signed with real keys, checked against a real JWKS served over HTTP. */
describe(LogoutTokenVerifier.name, () => {
  let server: Server;
  let key: CryptoKey;
  let stranger: CryptoKey;
  let verifier: LogoutTokenVerifier;

  beforeAll(async () => {
    ({ privateKey: stranger } = await generateKeyPair('RS256'));
    // The provider's JWKS holds the public half of `key` (kid "k1") only.
    const pair = await generateKeyPair('RS256', { extractable: true });
    key = pair.privateKey;
    const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' }] };
    server = createServer((_req, res) => res.end(JSON.stringify(jwks)));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    verifier = new LogoutTokenVerifier(new URL(`http://127.0.0.1:${port}/jwks`), {
      issuer: ISSUER,
      audience: CLIENT,
      algorithm: 'RS256',
    });
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  const sign = (
    claims: JWTPayload,
    { signer = key, typ = 'logout+jwt', alg = 'RS256' } = {},
  ): Promise<string> =>
    new SignJWT({
      iss: ISSUER,
      aud: CLIENT,
      iat: Math.floor(Date.now() / 1000),
      jti: crypto.randomUUID(),
      events: EVENT,
      sid: 'provider-session-1',
      sub: 'user-1',
      ...claims,
    })
      .setProtectedHeader({ alg, kid: 'k1', typ })
      .sign(signer);

  it('should accept a logout token of the provider for this client, with its sid and sub', async () => {
    await expect(verifier.verify(await sign({}))).resolves.toEqual({
      sid: 'provider-session-1',
      sub: 'user-1',
    });
  });

  it('should refuse the same logout token twice (jti)', async () => {
    const token = await sign({});
    await verifier.verify(token);
    await expect(verifier.verify(token)).rejects.toThrow('replayed');
  });

  it.each([
    ['another issuer', { iss: 'http://evil.test' }],
    ['another audience', { aud: 'app-b' }],
    ['no back-channel logout event', { events: { other: {} } }],
    ['a nonce (an ID token)', { nonce: 'n' }],
    ['neither sid nor sub', { sid: undefined, sub: undefined }],
    ['an old iat', { iat: Math.floor(Date.now() / 1000) - 3600 }],
  ])('should refuse a token with %s', async (_name, claims) => {
    await expect(verifier.verify(await sign(claims as JWTPayload))).rejects.toThrow();
  });

  it('should refuse a token signed by another key, of another type, or with another algorithm', async () => {
    await expect(verifier.verify(await sign({}, { signer: stranger }))).rejects.toThrow();
    await expect(verifier.verify(await sign({}, { typ: 'JWT' }))).rejects.toThrow();
    const { privateKey } = await generateKeyPair('PS256');
    await expect(
      verifier.verify(await sign({}, { signer: privateKey, alg: 'PS256' })),
    ).rejects.toThrow();
  });
});
