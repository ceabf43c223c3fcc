import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { API_AUTH_BEARER, API_AUTH_JWT, ErrorResponseDto } from '@nest-sso/common';

/** The OpenAPI document, generated from the controllers and DTOs: `/docs` (UI) and `/docs-json`. */
export function serveApiDocs(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('nest-sso')
    .setDescription(
      'Single sign-on: log in once for a session token, then exchange it for short-lived ' +
        'authorization tokens that other services verify offline with the JWKS. Every error ' +
        'has the ErrorResponse shape.',
    )
    .setVersion('0.1.0')
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
        description:
          'An authorization token from POST /authorize (no account) carrying the sso:admin scope',
      },
      'admin',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ErrorResponseDto],
  });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
