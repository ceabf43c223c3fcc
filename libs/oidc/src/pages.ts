/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: string | undefined): string {
  return (value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/**
 * The pages' Content-Security-Policy: nothing from elsewhere, no script at all, inline style only
 * through the one stylesheet below, never framed. No `form-action 'self'`: browsers apply it to
 * the redirects after a form's POST too, and the login form's answer redirects on to the client's
 * redirect URI, which Chromium then blocks.
 */
export const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

const STYLE = `
*{box-sizing:border-box}body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:linear-gradient(135deg,#eef2ff,#f8fafc);color:#0f172a}
main{width:100%;max-width:380px;margin:24px;padding:32px;background:#fff;border-radius:16px;box-shadow:0 10px 30px rgba(15,23,42,.12)}
.brand{font-weight:700;letter-spacing:.02em;color:#4f46e5;margin:0 0 4px}h1{font-size:1.4rem;margin:0 0 20px}
label{display:block;font-weight:600;font-size:.9rem;margin:14px 0 6px}
input[type=text],input[type=password]{width:100%;padding:10px 12px;border:1px solid #cbd5e1;border-radius:8px;font:inherit}
input:focus{outline:2px solid #6366f1;outline-offset:1px;border-color:#6366f1}
button{width:100%;margin-top:22px;padding:11px;border:0;border-radius:8px;background:#4f46e5;color:#fff;font:inherit;font-weight:600;cursor:pointer}
button:hover{background:#4338ca}button.secondary{background:#e2e8f0;color:#0f172a;margin-top:10px}
.error{background:#fef2f2;color:#991b1b;border:1px solid #fecaca;border-radius:8px;padding:10px 12px;margin:0 0 8px}
.client{color:#475569;margin:-12px 0 20px}ul{padding-left:20px}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title>
<style>${STYLE}</style></head><body><main><p class="brand">nest-sso</p>${body}</main></body></html>`;
}

/** The hosted sign-in form. */
export function loginPage(input: {
  action: string;
  csrf: string;
  clientName: string;
  login?: string;
  error?: string;
}): string {
  return page(
    'Sign in',
    `<h1>Sign in</h1><p class="client">to continue to ${escapeHtml(input.clientName)}</p>
${input.error ? `<p class="error" role="alert">${escapeHtml(input.error)}</p>` : ''}
<form method="post" action="${escapeHtml(input.action)}" autocomplete="on">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}">
<label for="login">Email or username</label>
<input id="login" name="login" type="text" autocomplete="username" required maxlength="254" value="${escapeHtml(input.login)}" autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
<button type="submit">Sign in</button></form>`,
  );
}

/** The consent page of a third-party client. */
export function consentPage(input: {
  action: string;
  csrf: string;
  clientName: string;
  scopes: string[];
}): string {
  return page(
    'Allow access',
    `<h1>Allow access</h1><p class="client">${escapeHtml(input.clientName)} asks to:</p>
<ul>${input.scopes.map((scope) => `<li>${escapeHtml(SCOPE_TEXT[scope] ?? scope)}</li>`).join('')}</ul>
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button></form>`,
  );
}

/** A page that tells what went wrong, without internals. */
export function errorPage(title: string, message: string | undefined): string {
  return page(
    title,
    `<h1>${escapeHtml(title)}</h1><p class="error" role="alert">${escapeHtml(message)}</p>`,
  );
}

const SCOPE_TEXT: Record<string, string> = {
  openid: 'Know who you are',
  profile: 'See your username',
  email: 'See your email address',
  offline_access: 'Stay signed in to it while you are signed in here',
};

/** The sign-out confirmation of RP-initiated logout; `form` is oidc-provider's (CSRF-protected). */
export function logoutPage(form: string, clientName: string | undefined): string {
  return page(
    'Sign out',
    `<h1>Sign out</h1><p class="client">${clientName ? `${escapeHtml(clientName)} asks you to sign out.` : 'Sign out of every application?'}</p>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out everywhere</button>
<button type="submit" form="op.logoutForm" class="secondary">Stay signed in</button>`,
  );
}

/** After a sign-out that named no application to return to. */
export function signedOutPage(): string {
  return page(
    'Signed out',
    '<h1>Signed out</h1><p class="client">You are signed out of every application.</p>',
  );
}
