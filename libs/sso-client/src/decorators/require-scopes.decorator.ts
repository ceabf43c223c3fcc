import { SetMetadata } from '@nestjs/common';

export const SSO_REQUIRED_SCOPES = 'sso-client:scopes';

/** The token must carry every one of these scopes, or the answer is 403 `insufficient_scope`. */
export const RequireScopes = (...scopes: string[]) => SetMetadata(SSO_REQUIRED_SCOPES, scopes);
