import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { API_AUTH_BEARER, API_AUTH_JWT, ErrorResponseDto } from '@nest-sso/common';
import type { SsoConfig } from '@nest-sso/config';

/** Title of the OpenAPI document and of the `/docs` page. */
export const API_TITLE = 'nest-sso single sign-on API';

/**
 * The OpenAPI document, generated from the controllers and DTOs: `/docs` (UI) and `/docs-json`.
 * Its one server is `SSO_PUBLIC_URL`, where clients reach this server (and where "Try it out"
 * sends requests).
 */
export function serveApiDocs(
  app: INestApplication,
  settings: Pick<SsoConfig, 'identity' | 'publicUrl'>,
): void {
  const config = new DocumentBuilder()
    .setTitle(API_TITLE)
    .setDescription(
      'Single sign-on: log in once for a session token, then exchange it for short-lived ' +
        'authorization tokens that other services verify offline with the JWKS. Every error ' +
        `has the ErrorResponse shape. Tokens are issued by "${settings.identity}" (iss).`,
    )
    .setVersion('0.1.0')
    .addServer(settings.publicUrl, 'This server (SSO_PUBLIC_URL)')
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'Authorization',
        description: 'The session token as "JWT <token>" (djangorestframework-sso\'s scheme)',
      },
      API_AUTH_JWT,
    )
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The session token' },
      API_AUTH_BEARER,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'An admin token from POST /admin/token (for users who hold sso:admin)',
      },
      'admin',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ErrorResponseDto],
  });
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: API_TITLE,
  });
}
