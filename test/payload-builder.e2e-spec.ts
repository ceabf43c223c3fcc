import { Injectable } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthorizationPayloadBuilder,
  AuthorizationPayloadContext,
  SessionPayloadBuilder,
  SessionPayloadContext,
} from '@nest-sso/auth';
import type { AuthorizationClaims, SessionClaims } from '@nest-sso/tokens';
import { createAccountWithMember, createUser } from './support/factories';
import { authorize, decodePart, login } from './support/http';
import { startTestApp, TestApp } from './support/test-app';

/** What a deployment writes to add its own claims (see docs/api.md, "Custom claims"). */
@Injectable()
class TenantAuthorizationPayload extends AuthorizationPayloadBuilder {
  override async build(context: AuthorizationPayloadContext): Promise<AuthorizationClaims> {
    const claims = await super.build(context);
    return { ...claims, account_name: context.membership?.account?.name ?? null, plan: 'gold' };
  }
}

@Injectable()
class DeviceSessionPayload extends SessionPayloadBuilder {
  override async build(context: SessionPayloadContext): Promise<SessionClaims> {
    return { ...(await super.build(context)), device: context.session.userAgent };
  }
}

describe('Custom payload builders', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      auth: {
        authorizationPayloadBuilder: TenantAuthorizationPayload,
        sessionPayloadBuilder: DeviceSessionPayload,
      },
    });
  });
  afterAll(() => t.close());

  it('should put the claims of the replacement builders in the tokens, next to the standard ones', async () => {
    const user = await createUser(t.app);
    const account = await createAccountWithMember(t.app, user, ['orders:read']);
    const session = await login(t.app, user.email);
    expect(decodePart(session, 1)).toMatchObject({
      token: 'session',
      uid: user.id,
      device: expect.any(String),
    });

    const claims = decodePart(await authorize(t.app, session, account.name), 1);
    expect(claims).toMatchObject({
      token: 'auth',
      uid: user.id,
      scopes: ['orders:read'],
      account: account.id,
      account_name: account.name,
      plan: 'gold',
    });
  });
});
