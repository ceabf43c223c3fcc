/**
 * Benchmark: what the sso-client guard costs on the example service.
 *
 * Starts the built example service (`dist/`, as the Dockerfile runs it) against a JWKS served by
 * this script, then drives the same orders route with and without the guard on loopback using
 * autocannon: with no guard, with the guard as configured by default (a client reuses its token,
 * so after the first request it comes from the verified-token cache), and with the cache off
 * (the token rules and a jose RS256 signature check on every request). Target (issues #4, #14):
 * the guard costs less than 20% of the route's throughput.
 *
 *   npm run bench:guard                  # 3 rounds of 5 s per scenario, 16 connections
 *   BENCH_ROUNDS=5 BENCH_DURATION=10 BENCH_CONNECTIONS=64 npm run bench:guard
 *   BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof" npm run bench:guard   # profile the service
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import { machine, startBuilt, waitUntilUp, writeResult } from './support';

const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ISSUER = 'bench-sso';
const SERVICE_PORT = 3901;

interface Scenario {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

async function main(): Promise<void> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwks = JSON.stringify({
    keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'bench', alg: 'RS256', use: 'sig' }],
  });
  const jwksServer = createServer((_, res) =>
    res
      .writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'max-age=3600' })
      .end(jwks),
  );
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;

  const account = randomUUID();
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({
    token: 'auth',
    sid: randomUUID(),
    cid: '',
    uid: randomUUID(),
    email: 'bench@example.com',
    scopes: ['orders:read'],
    account,
    iss: ISSUER,
    aud: ['orders'],
    iat: now,
    exp: now + 3600,
  })
    .setProtectedHeader({ alg: 'RS256', kid: 'bench', typ: 'JWT' })
    .sign(privateKey);

  const startService = (port: number, env: Record<string, string> = {}) =>
    startBuilt('dist/apps/example-service/src/main.js', {
      PORT: String(port),
      SSO_ISSUER: ISSUER,
      SSO_CLIENT_IDENTITY: 'orders',
      SSO_JWKS_URL: jwksUrl,
      ...env,
    });
  // The same service twice: as configured by default, and with the verified-token cache off so
  // that every request pays for the full verification and the RS256 signature check.
  const services = [
    startService(SERVICE_PORT),
    startService(SERVICE_PORT + 1, { SSO_TOKEN_CACHE_SIZE: '0' }),
  ];
  try {
    const cached = `http://127.0.0.1:${SERVICE_PORT}`;
    const uncached = `http://127.0.0.1:${SERVICE_PORT + 1}`;
    await Promise.all([cached, uncached].map((base) => waitUntilUp(`${base}/health/live`)));
    const path = `/accounts/${account}/orders`;
    const headers = { authorization: `Bearer ${token}` };
    for (const base of [cached, uncached]) {
      const check = await fetch(base + path, { headers });
      if (check.status !== 200)
        throw new Error(`the guarded route answered ${check.status}: ${await check.text()}`);
      await run('warm-up', base + path, headers, 3);
    }
    await run('warm-up', `${cached}/public${path}`, {}, 3);

    const scenarios: [string, string, Record<string, string>][] = [
      ['no guard: GET /public/accounts/:account/orders', `${cached}/public${path}`, {}],
      [
        'guard (default, verified-token cache): GET /accounts/:account/orders',
        cached + path,
        headers,
      ],
      [
        'guard, cache off (full jose RS256 verification on every request)',
        uncached + path,
        headers,
      ],
    ];
    // Interleaved rounds, median per scenario: the load generator shares the machine, so one
    // round alone swings by ±10%.
    const rounds: Scenario[][] = scenarios.map(() => []);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [i, [name, url, scenarioHeaders]] of scenarios.entries()) {
        rounds[i].push(await run(name, url, scenarioHeaders, DURATION));
      }
      console.error(`round ${round}/${ROUNDS} done`);
    }
    const results = rounds.map(median);
    report(results, rounds);
  } finally {
    for (const service of services) service.kill('SIGTERM');
    jwksServer.close();
  }
}

async function run(
  name: string,
  url: string,
  headers: Record<string, string>,
  duration: number,
): Promise<Scenario> {
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration });
  return {
    name,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** The round with the median throughput. */
function median(runs: Scenario[]): Scenario {
  return [...runs].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[
    Math.floor(runs.length / 2)
  ];
}

function report(results: Scenario[], rounds: Scenario[][]): void {
  const [plain, ...guarded] = results;
  const costs = guarded.map((s) => 1 - s.requestsPerSecond / plain.requestsPerSecond);
  console.log(
    `\nGuard benchmark: ${CONNECTIONS} connections, median of ${ROUNDS} interleaved rounds of ${DURATION} s, on ${machine()}\n`,
  );
  console.log('| scenario | req/s | guard cost | p50 ms | p99 ms | non-2xx | errors |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  results.forEach((s, i) => {
    const cost = i === 0 ? '–' : `${(costs[i - 1] * 100).toFixed(1)}%`;
    console.log(
      `| ${s.name} | ${s.requestsPerSecond} | ${cost} | ${s.p50Ms} | ${s.p99Ms} | ${s.non2xx} | ${s.errors} |`,
    );
  });
  const verdict = costs[0] < 0.2 ? 'meets' : 'MISSES';
  console.log(
    `\nAs configured by default, the guard costs ${(costs[0] * 100).toFixed(1)}% of the route's throughput ` +
      `(target < 20%: ${verdict} it); verifying every request costs ${(costs[1] * 100).toFixed(1)}%.`,
  );
  const file = writeResult('guard', {
    connections: CONNECTIONS,
    durationSeconds: DURATION,
    rounds: ROUNDS,
    scenarios: results,
    allRounds: rounds,
    guardCost: costs[0],
    guardCostUncached: costs[1],
  });
  console.log(`Results written to ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
