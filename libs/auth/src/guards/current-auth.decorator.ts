import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest, SessionAuth } from './session-auth.guard';

/** The authenticated session of the request (set by `SessionAuthGuard`). */
export const CurrentSession = createParamDecorator(
  (_: unknown, context: ExecutionContext): SessionAuth => {
    const auth = context.switchToHttp().getRequest<AuthenticatedRequest>().auth;
    if (!auth)
      throw new Error('CurrentSession used on a route that the session guard did not authenticate');
    return auth;
  },
);
