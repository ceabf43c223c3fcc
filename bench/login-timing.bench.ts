/**
 * Benchmark: does the login answer time reveal whether an account exists?
 *
 * Starts the built identity server against a fresh PostgreSQL database, then alternates failed
 * logins for unknown users and for a known user with a wrong password, one at a time, and
 * compares the medians. Target (issue #5): within 10% of each other.
 *
 *   npm run bench:login-timing                       # 200 samples of each
 *   BENCH_SAMPLES=500 npm run bench:login-timing
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  benchServerEnv,
  machine,
  median,
  runCli,
  startBuilt,
  waitUntilUp,
  writeResult,
} from './support';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const PORT = 3902;

async function main(): Promise<void> {
  const env = {
    ...(await benchServerEnv()),
    PORT: String(PORT),
    // Failed logins are the point here: neither the lockout nor the rate limit may answer first.
    SSO_LOGIN_FREE_ATTEMPTS: '1000',
    SSO_RATE_LIMIT_LOGIN: '0',
  };
  const email = `timing-${randomUUID().slice(0, 8)}@example.com`;
  runCli(['users:create', '--email', email, '--password', 'the right password'], env);

  const server = startBuilt('dist/apps/identity-server/src/main.js', env);
  try {
    const base = `http://127.0.0.1:${PORT}`;
    await waitUntilUp(`${base}/health/ready`);
    const attempt = async (username: string) => {
      const start = performance.now();
      const response = await fetch(`${base}/session`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username, password: 'a wrong password' }),
      });
      await response.arrayBuffer();
      if (response.status !== 401) throw new Error(`expected 401, got ${response.status}`);
      return performance.now() - start;
    };
    for (let i = 0; i < 10; i++) await attempt(i % 2 ? email : `warm-${i}@example.com`); // warm-up
    const unknown: number[] = [];
    const known: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      unknown.push(await attempt(`nobody-${randomUUID()}@example.com`));
      known.push(await attempt(email));
    }
    const [mu, mk] = [median(unknown), median(known)];
    const difference = Math.abs(mu - mk) / mk;
    console.log(
      `\nLogin timing: ${SAMPLES} failed logins of each kind, one at a time, on ${machine()}\n`,
    );
    console.log('| failed login | median ms | p10 ms | p90 ms |');
    console.log('| --- | ---: | ---: | ---: |');
    for (const [name, xs] of [
      ['unknown user', unknown],
      ['known user, wrong password', known],
    ] as const) {
      const sorted = [...xs].sort((a, b) => a - b);
      const pct = (p: number) => sorted[Math.floor(p * (sorted.length - 1))].toFixed(1);
      console.log(`| ${name} | ${median(xs).toFixed(1)} | ${pct(0.1)} | ${pct(0.9)} |`);
    }
    console.log(
      `\nThe medians differ by ${(difference * 100).toFixed(1)}% (target ≤ 10%: ${difference <= 0.1 ? 'meets' : 'MISSES'} it).`,
    );
    const file = writeResult('login-timing', {
      samples: SAMPLES,
      medianUnknownMs: mu,
      medianKnownMs: mk,
      difference,
    });
    console.log(`Results written to ${file}`);
  } finally {
    server.kill('SIGTERM');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
