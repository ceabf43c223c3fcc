/**
 * Every route and who may call it: `public`, `session` (a session token) or `admin` (an admin
 * token from POST /admin/token, of a user who holds sso:admin when the request is made). A change to this list is a permission change: review it as one.
 */
export const ROUTES = [
  'GET /.well-known/jwks.json public',
  'GET /.well-known/openid-configuration public',
  'GET /health/live public',
  'GET /health/ready public',
  'GET /me session',
  'GET /metrics public',
  'GET /sessions session',
  'DELETE /sessions session',
  'DELETE /sessions/:id session',
  'POST /logout session',
  'POST /password session',
  'POST /authorize session',
  'POST /session public',
  'POST /admin/token session',
  'POST /admin/users admin',
  'GET /admin/users admin',
  'GET /admin/users/:id admin',
  'PATCH /admin/users/:id admin',
  'POST /admin/users/:id/password admin',
  'GET /admin/users/:id/sessions admin',
  'DELETE /admin/sessions/:id admin',
  'POST /admin/accounts admin',
  'GET /admin/accounts admin',
  'PUT /admin/accounts/:account/members/:userId admin',
  'DELETE /admin/accounts/:account/members/:userId admin',
];
