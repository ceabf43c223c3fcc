import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'sso:isPublic';

/** Opts a route out of the global authentication guard. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Set on the admin API (by `AdminApi()` in libs/admin): the session guard leaves it to AdminGuard. */
export const IS_ADMIN_API = 'sso:isAdminApi';
