import { createPrivateKey, KeyObject } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ceiling, rs256Ceiling } from './ceilings';
import { loop, LoopResult, LoopTask } from './node-load';
import {
  BenchBrowser,
  BenchClient,
  discoverOidc,
  issuedTokens,
  OidcEndpoints,
  tokenRequest,
} from './oidc-flow';
import { runCli } from './support';

/** Where the clients say they return; never called (the code is read from the redirect). */
const REDIRECT_URI = 'https://app.bench.example/callback';
/**
 * Codes older than this are not exchanged: the provider keeps a code 60 s (libs/oidc,
 * `ttl.AuthorizationCode`), and an expired one would measure a refusal.
 */
const CODE_MAX_AGE_MS = 50_000;

/**
 * The OpenID Connect token endpoint under load: `authorization_code` and `refresh_token`
 * exchanges, which wrk cannot repeat (each code is used once; a rotated refresh token is replaced
 * by the one the answer carries). Two first-party clients: `bench-web`, confidential (HTTP Basic,
 * as apps/example-web), and `bench-spa`, public (PKCE), whose refresh tokens the provider rotates
 * on every use (oidc-provider's default `rotateRefreshToken`: always for a public client, for a
 * confidential one only past 70% of the token's lifetime, 14 days here).
 */
export class OidcTokenBench {
  /** Codes obtained by `authorize`, oldest first, with when they were issued. */
  private readonly codes: { code: string; at: number }[] = [];
  /** Each worker's refresh token, per client. */
  private readonly refreshTokens: Record<'web' | 'spa', string[]> = { web: [], spa: [] };
  /** Refresh answers that issued tokens, and those of them that carried a new refresh token. */
  readonly refreshes = { web: { issued: 0, rotated: 0 }, spa: { issued: 0, rotated: 0 } };

  private constructor(
    private readonly endpoints: OidcEndpoints,
    private readonly web: BenchClient,
    private readonly spa: BenchClient,
    private readonly browsers: BenchBrowser[],
  ) {}

  /**
   * Registers the clients with the CLI, finds the endpoints by discovery, and signs `workers`
   * browsers in as `login` at the hosted page, one after the other (parallel attempts on one
   * login name would trip its lockout). Each browser's first `bench-spa` code is exchanged here,
   * so that every worker starts a refresh chain of its own.
   */
  static async prepare(input: {
    base: string;
    env: Record<string, string>;
    login: string;
    password: string;
    workers: number;
  }): Promise<OidcTokenBench> {
    const register = (name: string, type: 'confidential' | 'public'): BenchClient => {
      const out = runCli(
        [
          'clients:create',
          ...['--name', name, '--type', type, '--redirect-uri', REDIRECT_URI, '--first-party'],
        ],
        input.env,
      );
      const id = /Created client (\S+)/.exec(out)?.[1];
      const secret = /Client secret \(shown once\): (\S+)/.exec(out)?.[1] ?? null;
      if (!id || (type === 'confidential') !== (secret !== null)) {
        throw new Error(`clients:create printed no client: ${out}`);
      }
      return { id, secret, redirectUri: REDIRECT_URI };
    };
    const web = register('bench-web', 'confidential');
    const spa = register('bench-spa', 'public');
    const endpoints = await discoverOidc(input.base);
    const bench = new OidcTokenBench(endpoints, web, spa, []);
    for (let i = 0; i < input.workers; i++) {
      const browser = new BenchBrowser(endpoints);
      const first = await browser.signIn(web, input.login, input.password);
      bench.codes.push({ code: first.code, at: Date.now() });
      const { code, verifier } = await browser.code(spa);
      const result = await tokenRequest(endpoints, spa, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier!,
      });
      if (!issuedTokens(result) || !result.answer.refresh_token) {
        throw new Error(`bench-spa's code exchange answered ${result.status}`);
      }
      bench.refreshTokens.spa.push(result.answer.refresh_token);
      bench.browsers.push(browser);
    }
    return bench;
  }

  /** The issuer discovery named (the report says which document was found). */
  get issuer(): string {
    return this.endpoints.issuer;
  }

  /** `GET` the authorization endpoint as a signed-in browser: one `bench-web` code each. */
  readonly authorize: LoopTask = async (worker) => {
    const { code } = await this.browsers[worker].code(this.web);
    this.codes.push({ code, at: Date.now() });
    return true;
  };

  /**
   * Exchanges one of the codes `authorize` collected (the ID token and the access token are
   * signed: two signatures), keeping the worker's latest refresh token; stops when none is left.
   */
  readonly exchangeCode: LoopTask = async (worker) => {
    let next = this.codes.shift();
    while (next && Date.now() - next.at > CODE_MAX_AGE_MS) next = this.codes.shift();
    if (!next) return null;
    const result = await tokenRequest(this.endpoints, this.web, {
      grant_type: 'authorization_code',
      code: next.code,
      redirect_uri: REDIRECT_URI,
    });
    if (result.answer.refresh_token) this.refreshTokens.web[worker] = result.answer.refresh_token;
    return issuedTokens(result);
  };

  /** Codes left unexchanged (collected beyond what the exchange row had time for). */
  get codesLeft(): number {
    return this.codes.length;
  }

  /**
   * A `refresh_token` exchange for `client` (again an ID token and an access token): each worker
   * follows its own chain, sending the refresh token the previous answer returned when the
   * provider rotated it (the old one is then spent: sending it again would revoke the grant).
   */
  refresh(client: 'web' | 'spa'): LoopTask {
    return async (worker) => {
      const token = this.refreshTokens[client][worker];
      if (!token) return null;
      const result = await tokenRequest(this.endpoints, client === 'web' ? this.web : this.spa, {
        grant_type: 'refresh_token',
        refresh_token: token,
      });
      const issued = issuedTokens(result);
      if (issued) this.refreshes[client].issued++;
      const next = result.answer.refresh_token;
      if (next && next !== token) {
        this.refreshTokens[client][worker] = next;
        this.refreshes[client].rotated++;
      }
      return issued;
    };
  }
}

/** What `measureOidcRows` sets on a row of the suite's table. */
interface MeasuredRow {
  name: string;
  requestsPerSecond: number;
  ceilingPerSecond?: number;
  ratio?: string;
}

/**
 * The suite's OpenID Connect rows, `seconds` each on 16 workers: a signed-in browser's
 * authorization (one code per request), then `authorization_code` exchanges of those codes (until
 * they run out), then `refresh_token` exchanges for the confidential client (not rotated) and the
 * public one (rotated on every use). Each exchange signs an ID token and an access token with the
 * server's key, so its ceiling is node:crypto's RS256 rate with that key, halved, measured right
 * before the row and added to `ceilings`.
 */
export async function measureOidcRows<Row extends MeasuredRow>(context: {
  base: string;
  env: Record<string, string>;
  login: string;
  password: string;
  seconds: number;
  /** The suite's row runner; `pids` left out: the identity server's processes are sampled. */
  measure: (
    name: string,
    connections: number,
    load: () => Promise<LoopResult>,
    pids: number[] | undefined,
    seconds: number,
  ) => Promise<Row>;
  ceilings: Ceiling[];
}): Promise<void> {
  const workers = 16;
  const serverKey = serverSigningKey(context.env.SSO_KEY_STORE_ROOT);
  progress(`OpenID Connect: registering two clients, signing ${workers} browsers in`);
  const oidc = await OidcTokenBench.prepare({ ...context, workers });
  progress(`OpenID Connect issuer (from discovery): ${oidc.issuer}`);
  const row = (name: string, task: LoopTask) =>
    context.measure(
      name,
      workers,
      () => loop(task, workers, context.seconds),
      undefined,
      context.seconds,
    );
  const besideSigning = async (name: string, task: LoopTask) => {
    const signing = await rs256Ceiling(2, serverKey);
    context.ceilings.push({ ...signing, name: `${signing.name}, before the next row` });
    const measured = await row(name, task);
    // Two signatures per exchange: the ID token and the access token.
    const ceiling = signing.perSecond / 2;
    measured.ceilingPerSecond = ceiling;
    measured.ratio = `${(measured.requestsPerSecond / ceiling).toFixed(2)} of ${Math.round(ceiling)} (RS256 signatures/s with the server's key ÷ 2: ID token + access token)`;
    return measured;
  };
  await row('GET /oidc/auth, signed in (one code per request)', oidc.authorize);
  const exchanged = await besideSigning(
    'POST /oidc/token authorization_code (confidential client)',
    oidc.exchangeCode,
  );
  if (oidc.codesLeft === 0) exchanged.name += ', until the codes ran out';
  for (const [client, name] of [
    ['web', 'confidential client'],
    ['spa', 'public client'],
  ] as const) {
    const measured = await besideSigning(
      `POST /oidc/token refresh_token (${name})`,
      oidc.refresh(client),
    );
    const { issued, rotated } = oidc.refreshes[client];
    measured.name += `: ${rotated} of ${issued} rotated`;
  }
}

/** The private key the server under test signs with (the one PEM of its key store). */
function serverSigningKey(keyStoreRoot: string): KeyObject {
  const pem = readdirSync(keyStoreRoot).find((file) => file.endsWith('.pem'));
  if (!pem) throw new Error(`No key in ${keyStoreRoot}`);
  return createPrivateKey(readFileSync(join(keyStoreRoot, pem)));
}

function progress(message: string): void {
  console.error(`[bench] ${message}`);
}
