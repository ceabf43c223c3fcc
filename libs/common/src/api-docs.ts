import { applyDecorators } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  ApiSecurity,
} from '@nestjs/swagger';
import { ERROR_STATUS } from './sso-error';

/** Names of the two ways to send a session token, as the OpenAPI document declares them. */
export const API_AUTH_JWT = 'jwt';
export const API_AUTH_BEARER = 'bearer';

export class FieldErrorDto {
  @ApiProperty({ example: 'client_id' })
  field: string;

  @ApiProperty({ example: 'client_id must be at most 100 characters' })
  message: string;
}

/** The one error shape of the API, for the OpenAPI document (see `ErrorBody`). */
export class ErrorResponseDto {
  @ApiProperty({ example: 401 })
  statusCode: number;

  @ApiProperty({ enum: Object.keys(ERROR_STATUS), example: 'invalid_token' })
  code: string;

  @ApiProperty({ example: 'The token signature is invalid' })
  message: string;

  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Only with validation_failed' })
  errors?: FieldErrorDto[];
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid body or query (validation_failed, malformed_request, wrong_password)',
  401: 'Not authenticated (not_authenticated, invalid_token, token_expired, wrong_token_type, session_revoked, invalid_credentials)',
  403: 'Forbidden (not_a_member)',
  404: 'Not found',
  405: 'Method not allowed (method_not_allowed); see Allow',
  413: 'Body over 16 KB',
  415: 'A body of a media type the route does not accept (unsupported_media_type)',
  429: 'Too many attempts or requests (too_many_attempts, rate_limited); see Retry-After',
  503: 'The database is unavailable (service_unavailable); see Retry-After',
};

/** Documents error answers of a route, all in the `ErrorResponseDto` shape. */
export function ApiErrors(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorResponseDto }),
    ),
  );
}

/** A route that needs a session token, sent as `JWT <token>` or `Bearer <token>`. */
export function ApiSessionAuth() {
  return applyDecorators(
    ApiSecurity(API_AUTH_JWT),
    ApiBearerAuth(API_AUTH_BEARER),
    ApiErrors(401, 503),
  );
}
