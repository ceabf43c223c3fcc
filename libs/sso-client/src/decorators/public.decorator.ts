import { SetMetadata } from '@nestjs/common';

export const SSO_PUBLIC = 'sso-client:public';

/** Opts a route (or controller) out of the global `SsoAuthGuard`. */
export const Public = () => SetMetadata(SSO_PUBLIC, true);
