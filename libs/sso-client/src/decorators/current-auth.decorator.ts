import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { SsoAuth } from '../sso-auth';

/** The verified token of the request: `@CurrentAuth() auth: SsoAuth`. */
export const CurrentAuth = createParamDecorator(
  (_: unknown, context: ExecutionContext): SsoAuth => {
    const auth = context.switchToHttp().getRequest<{ user?: SsoAuth }>().user;
    if (!auth)
      throw new Error('@CurrentAuth() is used on a route that SsoAuthGuard did not authenticate');
    return auth;
  },
);
