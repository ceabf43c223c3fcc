/** Server-rendered pages of the example web app: plain HTML, every value escaped, no scripts. */

/** HTML-escapes a value for text and double-quoted attributes. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

export const STYLESHEET = `
body { font-family: system-ui, sans-serif; background: #f4f5f7; color: #1f2933; margin: 0; }
header { background: #243b53; color: #fff; padding: 1rem 2rem; }
header h1 { margin: 0; font-size: 1.25rem; }
main { max-width: 48rem; margin: 2rem auto; background: #fff; padding: 2rem; border-radius: 8px;
  box-shadow: 0 1px 3px rgba(0,0,0,.12); }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #e4e7eb; vertical-align: top; }
th { width: 30%; color: #52606d; font-weight: 600; }
td { font-family: ui-monospace, monospace; word-break: break-all; }
.button { display: inline-block; background: #2f80ed; color: #fff; border: 0; border-radius: 6px;
  padding: .6rem 1.2rem; font-size: 1rem; text-decoration: none; cursor: pointer; margin-right: .5rem; }
.button.secondary { background: #52606d; }
form { display: inline; }
pre { background: #f0f4f8; padding: 1rem; border-radius: 6px; overflow-x: auto; }
.error { color: #b42318; }
`;

function layout(appName: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(appName)}</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<header><h1>${escapeHtml(appName)}</h1></header>
<main>
${body}
</main>
</body>
</html>
`;
}

/** The page of a visitor without a session. */
export function signedOutPage(appName: string): string {
  return layout(
    appName,
    `<h2 id="status">You are signed out</h2>
<p>This app signs you in with nest-sso (OpenID Connect, authorization code with PKCE).</p>
<p><a class="button" id="sign-in" href="/login">Sign in</a></p>`,
  );
}

/** Who the ID token says the user is, and the actions of a signed-in user. */
export function signedInPage(
  appName: string,
  claims: Record<string, unknown>,
  serviceResult?: { status: number; body: string },
): string {
  const rows = Object.entries(claims)
    .map(
      ([name, value]) =>
        `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(
          typeof value === 'string' ? value : JSON.stringify(value),
        )}</td></tr>`,
    )
    .join('\n');
  const service = serviceResult
    ? `<h3>example-service answered <span id="service-status">${serviceResult.status}</span></h3>
<pre id="service-body">${escapeHtml(serviceResult.body)}</pre>`
    : '';
  const who = claims.email ?? claims.sub;
  return layout(
    appName,
    `<h2 id="status">Signed in as <span id="who">${escapeHtml(who)}</span></h2>
<p>The claims of your ID token:</p>
<table id="claims">
${rows}
</table>
<form method="post" action="/call-service"><button class="button" id="call-service" type="submit">Call example-service</button></form>
<form method="post" action="/logout"><button class="button secondary" id="sign-out" type="submit">Sign out</button></form>
${service}`,
  );
}

/** A sign-in that failed: the provider's error code and description, escaped. */
export function errorPage(appName: string, message: string): string {
  return layout(
    appName,
    `<h2 class="error" id="status">Sign-in failed</h2>
<p id="error">${escapeHtml(message)}</p>
<p><a class="button" href="/">Back</a></p>`,
  );
}
