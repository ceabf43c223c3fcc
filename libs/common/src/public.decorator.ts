import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'sso:isPublic';

/** Opts a route out of the global authentication guard. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

export const IS_ADMIN_API = 'sso:isAdminApi';

/**
 * Marks the admin API: the global session guard lets it through, and the admin guard (which
 * wants an authorization token with the admin scope) decides instead.
 */
export const AdminApi = () => SetMetadata(IS_ADMIN_API, true);
