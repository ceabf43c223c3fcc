import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from './support/routes';
import { startTestApp, TEST_IDENTITY, TestApp } from './support/test-app';

interface Operation {
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
type Document = {
  info: { title: string; version: string; description: string };
  servers: { url: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
};

describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: Document;
  beforeAll(async () => {
    t = await startTestApp({ env: { SSO_PUBLIC_URL: 'https://sso.example.com/' } });
    doc = (await request(t.app.getHttpServer()).get('/docs-json').expect(200)).body as Document;
  });
  afterAll(() => t.close());

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        route: `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`,
        operation,
      })),
    );

  it('should list every route, with the auth scheme each needs', () => {
    const listed = operations().map(({ route, operation }) => {
      const schemes = (operation.security ?? []).flatMap((s) => Object.keys(s)).sort();
      const kind =
        schemes.length === 0 ? 'public' : schemes.join() === 'admin' ? 'admin' : 'session';
      return `${route} ${kind}`;
    });
    expect(listed.sort()).toEqual([...ROUTES].sort());
    for (const { route, operation } of operations()) {
      if (operation.security && !route.includes('/admin/')) {
        expect(operation.security.flatMap((s) => Object.keys(s)).sort(), route).toEqual([
          'bearer',
          'jwt',
        ]);
      }
    }
  });

  it('should declare both ways to send the session token, and the one error shape', () => {
    expect(doc.components.securitySchemes).toEqual({
      jwt: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'Authorization' }),
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      admin: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
    expect(doc.components.schemas.ErrorResponseDto).toMatchObject({
      required: expect.arrayContaining(['statusCode', 'code', 'message']),
    });
    const authorize = doc.paths['/authorize'].post;
    for (const status of ['400', '401', '403', '429', '503']) {
      expect(authorize.responses[status].content?.['application/json'].schema?.$ref).toBe(
        '#/components/schemas/ErrorResponseDto',
      );
    }
    expect(Object.keys(doc.paths['/session'].post.responses).sort()).toEqual(
      ['200', '400', '401', '413', '429', '503'].sort(),
    );
  });

  it('should have a real title, and SSO_PUBLIC_URL as its one server', () => {
    expect(doc.info).toMatchObject({ title: 'nest-sso single sign-on API', version: '0.1.0' });
    expect(doc.info.description).toContain(`"${TEST_IDENTITY}" (iss)`);
    expect(doc.servers).toEqual([
      { url: 'https://sso.example.com', description: 'This server (SSO_PUBLIC_URL)' },
    ]);
  });

  it('should serve the documentation page under the same title', async () => {
    const page = await request(t.app.getHttpServer()).get('/docs').expect(200);
    expect(page.text).toContain('<title>nest-sso single sign-on API</title>');
  });
});
