import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { DataSource } from 'typeorm';
import { Actors } from '@nest-sso/audit';
import { ClientAdminUseCase } from '@nest-sso/admin';
import { OidcService } from '@nest-sso/oidc';
import { TEST_IDENTITY } from './support/test-app';
import {
  discover,
  OidcTestApp,
  registerClient,
  ssoClientVerifier,
  startOidcApp,
} from './support/oidc';

describe('OpenID Connect provider', () => {
  let t: OidcTestApp;
  beforeAll(async () => {
    t = await startOidcApp();
  });
  afterAll(() => t.close());

  it("should publish an honest discovery document whose JWKS is the key module's one document", async () => {
    const { client } = await registerClient(t, {
      name: 'Discovery',
      redirectUris: ['https://app.example/callback'],
      type: 'public',
    });
    const config = await discover(t, client.id);
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(t.issuer);
    expect(metadata.authorization_endpoint).toBe(`${t.baseUrl}/oidc/auth`);
    expect(metadata.token_endpoint).toBe(`${t.baseUrl}/oidc/token`);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.response_types_supported).toEqual(['code']);
    expect(metadata.userinfo_endpoint).toBeUndefined();
    expect(metadata.dpop_signing_alg_values_supported).toBeUndefined();
    expect(metadata.pushed_authorization_request_endpoint).toBeUndefined();
    expect(metadata.grant_types_supported).toEqual(
      expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']),
    );
    expect(metadata.revocation_endpoint).toBe(`${t.baseUrl}/oidc/token/revocation`);
    expect(metadata.end_session_endpoint).toBe(`${t.baseUrl}/oidc/session/end`);
    expect(metadata.backchannel_logout_supported).toBe(true);
    const served = await fetch(metadata.jwks_uri!);
    const canonical = await fetch(`${t.baseUrl}/.well-known/jwks.json`);
    expect(await served.text()).toBe(await canonical.text());
    // The issuer is the public URL, whose own /.well-known holds the document; none below /oidc.
    expect(t.issuer).toBe(t.baseUrl);
    const below = await fetch(`${t.baseUrl}/oidc/.well-known/openid-configuration`);
    expect(below.status).toBe(404);
    expect(await below.json()).toMatchObject({ statusCode: 404, code: 'not_found' });
  });

  describe('client_credentials', () => {
    it("should issue a nest-sso authorization token carrying only the client's permissions, which sso-client accepts", async () => {
      const { client, secret } = await registerClient(t, {
        name: 'Billing worker',
        redirectUris: ['https://billing.example/callback'],
        permissions: ['invoices:read', 'invoices:write'],
      });
      const config = await discover(t, client.id, secret!);

      const all = await oidc.clientCredentialsGrant(config);
      expect(all.token_type).toBe('bearer');
      const claims = decodeJwt(all.access_token);
      expect(claims).toMatchObject({
        token: 'auth',
        iss: TEST_IDENTITY,
        aud: [TEST_IDENTITY],
        cid: client.id,
        uid: `client:${client.id}`,
        scopes: ['invoices:read', 'invoices:write'],
      });
      expect(decodeProtectedHeader(all.access_token)).toMatchObject({
        typ: 'JWT',
        kid: t.key.kid,
      });
      const auth = await (await ssoClientVerifier(t)).verify(all.access_token);
      expect(auth.scopes).toEqual(['invoices:read', 'invoices:write']);

      const one = await oidc.clientCredentialsGrant(config, { scope: 'invoices:read' });
      expect(decodeJwt(one.access_token).scopes).toEqual(['invoices:read']);
      // A permission the client was not granted is dropped (RFC 6749 section 3.3), never added.
      const none = await oidc.clientCredentialsGrant(config, { scope: 'sso:admin invoices:read' });
      expect(decodeJwt(none.access_token).scopes).toEqual(['invoices:read']);
    });

    it('should refuse a wrong secret and a rotated-out secret', async () => {
      const { client, secret } = await registerClient(t, {
        name: 'Rotating',
        redirectUris: ['https://rotating.example/callback'],
        permissions: ['a:b'],
      });
      const wrong = await discover(t, client.id, `${secret!}x`);
      const invalidClient = {
        status: 401,
        cause: [
          expect.objectContaining({
            parameters: expect.objectContaining({ error: 'invalid_client' }),
          }),
        ],
      };
      await expect(oidc.clientCredentialsGrant(wrong)).rejects.toMatchObject(invalidClient);
      const { secret: rotated } = await t.app
        .get(ClientAdminUseCase)
        .rotateSecret(Actors.cli(), client.id);
      await expect(
        oidc.clientCredentialsGrant(await discover(t, client.id, secret!)),
      ).rejects.toMatchObject(invalidClient);
      await oidc.clientCredentialsGrant(await discover(t, client.id, rotated!));
      const stored = await t.app
        .get(DataSource)
        .query(`SELECT secret_hash FROM oidc_clients WHERE id = $1`, [client.id]);
      expect(stored[0].secret_hash).not.toContain(secret);
    });

    it('should not let a public client use client_credentials', async () => {
      const { client } = await registerClient(t, {
        name: 'SPA',
        redirectUris: ['https://spa.example/callback'],
        type: 'public',
      });
      const config = await discover(t, client.id);
      await expect(oidc.clientCredentialsGrant(config)).rejects.toMatchObject({
        error: expect.stringMatching(/^(unauthorized_client|invalid_client|invalid_request)$/),
      });
    });
  });

  it('should delete expired payloads in the background job, and never serve one before that', async () => {
    const db = t.app.get(DataSource);
    await db.query(
      `INSERT INTO oidc_payloads (model, id, payload, expires_at) VALUES
         ('Interaction', 'expired-1', '{}', now() - interval '1 second'),
         ('Interaction', 'expired-2', '{}', now() - interval '1 hour'),
         ('Interaction', 'live-1', '{}', now() + interval '1 hour')`,
    );
    const provider = await t.app.get(OidcService).provider();
    expect(await provider.Interaction.find('expired-1')).toBeUndefined();
    expect(await t.app.get(OidcService).deleteExpired()).toBeGreaterThanOrEqual(2);
    const left = await db.query<{ id: string }[]>(
      `SELECT id FROM oidc_payloads WHERE id IN ('expired-1', 'expired-2', 'live-1')`,
    );
    expect(left.map((row) => row.id)).toEqual(['live-1']);
  });
});
