/**
 * The benchmark suite: `npm run bench`.
 *
 * Builds nothing itself (the npm script builds first), then starts the identity server from
 * `dist/` in production mode against a fresh PostgreSQL database (`BENCH_DATABASE_URL`, default
 * `postgres://postgres@127.0.0.1:5432/nest_sso_bench`), seeds a user, an account and a membership
 * with the CLI, measures the machine's ceilings (RS256 signing, argon2id verification), and drives
 * each scenario on loopback with autocannon. Prints a table with each scenario's ratio to its
 * ceiling and writes `bench/results/suite-<time>.json`.
 *
 *   npm run bench                                   # about 3 minutes
 *   BENCH_DURATION=5 BENCH_SOAK=20 npm run bench    # quicker, less steady
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { argon2Ceiling, Ceiling, rs256Ceiling } from './ceilings';
import { benchServerEnv, machine, runCli, startBuilt, waitUntilUp, writeResult } from './support';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const SOAK = Number(process.env.BENCH_SOAK ?? 60);
const SSO_PORT = 3910;
const ORDERS_PORT = 3911;
const PASSWORD = 'benchmark password';
/** The argon2id parameters the server runs with (its defaults), for the ceiling. */
const ARGON2 = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

interface Scenario {
  name: string;
  connections: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  peakRssMiB: number | null;
  ceiling?: string;
  ratio?: number;
  target?: string;
  met?: boolean;
}

async function main(): Promise<void> {
  const env = {
    ...(await benchServerEnv()),
    SSO_AUTHORIZATION_AUDIENCE: 'bench-sso,orders',
    PORT: String(SSO_PORT),
    // All load comes from one address: the per-IP limits would measure themselves.
    SSO_RATE_LIMIT_LOGIN: '0',
    SSO_RATE_LIMIT_AUTHORIZE: '0',
  };
  progress('seeding a user, an account and a membership');
  const email = 'bench@example.com';
  runCli(['users:create', '--email', email, '--password', PASSWORD], env);
  runCli(['accounts:create', '--name', 'bench-account'], env);
  runCli(
    [
      'memberships:add',
      '--account',
      'bench-account',
      '--email',
      email,
      '--permissions',
      'orders:read',
    ],
    env,
  );

  progress('measuring the ceilings');
  const rs256 = await rs256Ceiling(5);
  const argon2 = await argon2Ceiling(ARGON2, 5);

  const server = startBuilt('dist/apps/identity-server/src/main.js', env);
  const orders = startBuilt('dist/apps/example-service/src/main.js', {
    PORT: String(ORDERS_PORT),
    SSO_ISSUER: 'bench-sso',
    SSO_CLIENT_IDENTITY: 'orders',
    SSO_JWKS_URL: `http://127.0.0.1:${SSO_PORT}/.well-known/jwks.json`,
  });
  try {
    const base = `http://127.0.0.1:${SSO_PORT}`;
    await waitUntilUp(`${base}/health/ready`);
    await waitUntilUp(`http://127.0.0.1:${ORDERS_PORT}/health/live`);
    const session = await post(`${base}/session`, { username: email, password: PASSWORD });
    const authToken = await post(`${base}/authorize`, { account: 'bench-account' }, session);
    const { account } = JSON.parse(
      Buffer.from(authToken.split('.')[1], 'base64url').toString(),
    ) as { account: string };

    const authorize = (body: object) => ({
      url: `${base}/authorize`,
      method: 'POST' as const,
      headers: { authorization: `JWT ${session}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const sessionCeiling = `${Math.round(rs256.perSecond)} RS256 signatures/s`;
    const scenarios: Scenario[] = [];
    const measure = async (
      name: string,
      connections: number,
      request: Request,
      pid: ChildProcess['pid'],
      ceiling?: { value: number; label: string; target: number },
    ) => {
      progress(`${name}, ${connections} connections, ${DURATION} s`);
      const s = await load(name, connections, request, DURATION, pid);
      if (ceiling) {
        s.ceiling = ceiling.label;
        s.ratio = s.requestsPerSecond / ceiling.value;
        s.target = `≥ ${ceiling.target * 100}%`;
        s.met = s.ratio >= ceiling.target;
      }
      scenarios.push(s);
      return s;
    };

    await load('warm-up', 16, authorize({}), 3, server.pid);
    const rs = { value: rs256.perSecond, label: sessionCeiling, target: 0.5 };
    const a16 = await measure('POST /authorize', 16, authorize({}), server.pid, rs);
    a16.target += ', p99 ≤ 25 ms, no errors';
    a16.met = a16.met! && a16.p99Ms <= 25 && a16.errors + a16.non2xx === 0;
    await measure(
      'POST /authorize (account)',
      16,
      authorize({ account: 'bench-account' }),
      server.pid,
      rs,
    );
    await measure('POST /authorize', 64, authorize({}), server.pid, rs);
    await measure(
      'POST /authorize (account)',
      64,
      authorize({ account: 'bench-account' }),
      server.pid,
      rs,
    );
    await measure(
      'POST /session',
      16,
      {
        url: `${base}/session`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: email, password: PASSWORD }),
      },
      server.pid,
      {
        value: argon2.perSecond,
        label: `${Math.round(argon2.perSecond)} argon2id verifications/s`,
        target: 0.8,
      },
    );
    const jwks = await measure(
      'GET /.well-known/jwks.json',
      16,
      { url: `${base}/.well-known/jwks.json` },
      server.pid,
    );
    jwks.target = '≥ 10000 req/s';
    jwks.met = jwks.requestsPerSecond >= 10_000;
    await measure(
      'example service, guarded route',
      16,
      {
        url: `http://127.0.0.1:${ORDERS_PORT}/accounts/${account}/orders`,
        headers: { authorization: `Bearer ${authToken}` },
      },
      orders.pid,
    );

    progress(`soak: POST /authorize, 64 connections, ${SOAK} s, sampling RSS`);
    const soak = await soakRun(authorize({ account: 'bench-account' }), server.pid);

    report(scenarios, [rs256, argon2], soak);
    const file = writeResult('suite', {
      durationSeconds: DURATION,
      ceilings: [rs256, argon2],
      scenarios,
      soak,
    });
    console.log(`Results written to ${file}`);
  } finally {
    server.kill('SIGTERM');
    orders.kill('SIGTERM');
  }
}

type Request = {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
};

async function load(
  name: string,
  connections: number,
  request: Request,
  duration: number,
  pid: number | undefined,
): Promise<Scenario> {
  const rss = sampleRss(pid);
  const result = await autocannon({ ...request, connections, duration });
  const peak = rss.stop();
  return {
    name,
    connections,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    peakRssMiB: peak,
  };
}

interface Soak {
  seconds: number;
  requestsPerSecond: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  rssAt20sMiB: number | null;
  rssAtEndMiB: number | null;
  rssGrowth: number | null;
  /** Mean RSS over seconds 15–25 and over the last 10 s: V8's heap makes RSS a sawtooth. */
  rssMeanEarlyMiB: number | null;
  rssMeanLateMiB: number | null;
  rssMeanGrowth: number | null;
  met: boolean;
}

/** Long run at 64 connections; RSS is read every second, then compared at 20 s and at the end. */
async function soakRun(request: Request, pid: number | undefined): Promise<Soak> {
  const samples: number[] = [];
  const timer = setInterval(() => {
    const rss = rssMiB(pid);
    if (rss !== null) samples.push(rss);
  }, 1000);
  const result = await autocannon({ ...request, connections: 64, duration: SOAK });
  clearInterval(timer);
  const at20 = samples[Math.min(19, samples.length - 1)] ?? null;
  const atEnd = samples.at(-1) ?? null;
  const growth = at20 !== null && atEnd !== null ? atEnd / at20 - 1 : null;
  const errors = result.errors + result.timeouts;
  const mean = (xs: number[]) =>
    xs.length ? Math.round(xs.reduce((a, b) => a + b) / xs.length) : null;
  const early = mean(samples.slice(14, 25));
  const late = mean(samples.slice(-10));
  return {
    seconds: SOAK,
    requestsPerSecond: Math.round(result.requests.average),
    p99Ms: result.latency.p99,
    errors,
    non2xx: result.non2xx,
    rssAt20sMiB: at20,
    rssAtEndMiB: atEnd,
    rssGrowth: growth,
    rssMeanEarlyMiB: early,
    rssMeanLateMiB: late,
    rssMeanGrowth: early !== null && late !== null ? late / early - 1 : null,
    met: errors + result.non2xx === 0 && growth !== null && growth < 0.1,
  };
}

/** Resident set size of a process in MiB, from /proc (Linux); `null` elsewhere. */
function rssMiB(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
}

function sampleRss(pid: number | undefined) {
  let peak: number | null = null;
  const take = () => {
    const rss = rssMiB(pid);
    if (rss !== null) peak = Math.max(peak ?? 0, rss);
  };
  take();
  const timer = setInterval(take, 250);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return peak;
    },
  };
}

async function post(url: string, body: object, session?: string): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(session ? { Authorization: `JWT ${session}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { token?: string };
  if (!response.ok || !json.token)
    throw new Error(`${url} answered ${response.status}: ${JSON.stringify(json)}`);
  return json.token;
}

function report(scenarios: Scenario[], ceilings: Ceiling[], soak: Soak): void {
  console.log(
    `\nnest-sso benchmark on ${machine()}; ${DURATION} s per scenario, loopback, autocannon\n`,
  );
  console.log('| ceiling (measured in this run) | per second |');
  console.log('| --- | ---: |');
  for (const c of ceilings) console.log(`| ${c.name} | ${Math.round(c.perSecond)} |`);
  console.log(
    '\n| scenario | conns | req/s | p50 ms | p99 ms | non-2xx | errors | peak RSS MiB | ratio to ceiling | target | met |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |');
  for (const s of scenarios) {
    const ratio = s.ratio === undefined ? '–' : `${(s.ratio * 100).toFixed(0)}% of ${s.ceiling}`;
    const met = s.met === undefined ? '' : s.met ? 'yes' : '**no**';
    console.log(
      `| ${s.name} | ${s.connections} | ${s.requestsPerSecond} | ${s.p50Ms} | ${s.p99Ms} | ${s.non2xx} | ${s.errors} | ${s.peakRssMiB ?? '–'} | ${ratio} | ${s.target ?? ''} | ${met} |`,
    );
  }
  const growth = soak.rssGrowth === null ? 'n/a' : `${(soak.rssGrowth * 100).toFixed(1)}%`;
  console.log(
    `\nSoak: POST /authorize (account), 64 connections, ${soak.seconds} s: ${soak.requestsPerSecond} req/s, ` +
      `p99 ${soak.p99Ms} ms, ${soak.errors} errors, ${soak.non2xx} non-2xx; RSS ${soak.rssAt20sMiB} MiB at 20 s, ` +
      `${soak.rssAtEndMiB} MiB at the end (${growth}; target < 10%, no errors: ${soak.met ? 'met' : 'NOT met'}).`,
  );
  if (soak.rssMeanGrowth !== null) {
    console.log(
      `Mean RSS over seconds 15–25: ${soak.rssMeanEarlyMiB} MiB; over the last 10 s: ${soak.rssMeanLateMiB} MiB ` +
        `(${(soak.rssMeanGrowth * 100).toFixed(1)}%). RSS is a sawtooth under load (V8 grows the old space ` +
        'to ~140 MB between full collections), so single samples swing by ±20%.',
    );
  }
}

function progress(message: string): void {
  console.error(`[bench] ${message}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
