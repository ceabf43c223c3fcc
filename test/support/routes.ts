/**
 * Every route and who may call it. A change to this list is a permission change: review it as one.
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
];
