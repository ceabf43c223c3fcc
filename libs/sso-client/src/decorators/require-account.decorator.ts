import { SetMetadata } from '@nestjs/common';

export const SSO_ACCOUNT_PARAM = 'sso-client:account-param';

/**
 * The token's `account` claim must equal the route parameter `param` (e.g. `:account` in
 * `/accounts/:account/orders`), or the answer is 403 `wrong_account`.
 */
export const RequireAccount = (param = 'account') => SetMetadata(SSO_ACCOUNT_PARAM, param);
