import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { TEST_PASSWORD } from './factories';

/** Logs in through the API and returns the session token. */
export async function login(
  app: INestApplication,
  username: string,
  password = TEST_PASSWORD,
): Promise<string> {
  const response = await request(app.getHttpServer())
    .post('/session')
    .send({ username, password })
    .expect(200);
  return response.body.token as string;
}

/** Exchanges a session token for an authorization token through the API. */
export async function authorize(
  app: INestApplication,
  sessionToken: string,
  account?: string,
): Promise<string> {
  const response = await request(app.getHttpServer())
    .post('/authorize')
    .set('Authorization', `JWT ${sessionToken}`)
    .send(account === undefined ? {} : { account })
    .expect(200);
  return response.body.token as string;
}

/** Decodes a JWT part without verifying it. */
export function decodePart(token: string, part: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[part], 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

/**
 * The admin API's credential for a user who holds `sso:admin`: logs in, then asks for an admin
 * token with the session token (`POST /admin/token`), the way an operator's tool does.
 */
export async function adminCredential(
  app: INestApplication,
  username: string,
  password = TEST_PASSWORD,
): Promise<string> {
  return adminToken(app, await login(app, username, password));
}

/** An admin token for a session (`POST /admin/token`). */
export async function adminToken(app: INestApplication, sessionToken: string): Promise<string> {
  const response = await request(app.getHttpServer())
    .post('/admin/token')
    .set('Authorization', `JWT ${sessionToken}`)
    .expect(200);
  return response.body.token as string;
}
