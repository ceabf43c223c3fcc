/**
 * Benchmark: `import:drf-sso` on a large DRF-SSO export (issue 17: bounded time and memory).
 *
 * Writes a `dumpdata`-shaped export of BENCH_USERS users (default 100,000) and three sessions
 * per user (300,000), streamed to a temporary file, then imports it into a fresh PostgreSQL
 * database with the built CLI, twice (the second run finds everything unchanged), and reports
 * each run's wall time and the CLI's peak resident memory (GNU time's %M).
 *
 *   npm run bench:import
 *   BENCH_USERS=10000 npm run bench:import
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { benchServerEnv, runCli, writeResult } from './support';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const SESSIONS_PER_USER = 3;
/** One real Django PBKDF2 hash for everyone: the import stores hashes, it never computes them. */
const HASH =
  'pbkdf2_sha256$260000$s8A8pFyALp7T29ijzJTSE1$7JSS1Tywmht8Fnl5SXUIQry3AFiNGjVNZm6t972Va00=';

async function writeExport(file: string): Promise<void> {
  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('[');
  await write(
    JSON.stringify({
      model: 'auth.permission',
      pk: 1,
      fields: { name: 'Can view order', content_type: ['shop', 'order'], codename: 'view_order' },
    }),
  );
  await write(
    ',' +
      JSON.stringify({
        model: 'auth.group',
        pk: 1,
        fields: { name: 'staff', permissions: [['view_order', 'shop', 'order']] },
      }),
  );
  const joined = new Date('2020-01-01T00:00:00Z').toISOString();
  for (let id = 1; id <= USERS; id++) {
    await write(
      ',' +
        JSON.stringify({
          model: 'auth.user',
          pk: id,
          fields: {
            password: HASH,
            last_login: joined,
            is_superuser: false,
            username: `user${id}`,
            first_name: '',
            last_name: '',
            email: `user${id}@example.com`,
            is_staff: false,
            is_active: true,
            date_joined: joined,
            groups: id % 10 === 0 ? [['staff']] : [],
            user_permissions: [],
          },
        }),
    );
  }
  for (let id = 1; id <= USERS; id++) {
    for (let s = 0; s < SESSIONS_PER_USER; s++) {
      await write(
        ',' +
          JSON.stringify({
            model: 'rest_framework_sso.sessiontoken',
            pk: randomUUID(),
            fields: {
              user: [`user${id}`],
              client_id: 'mobile-app',
              ip_address: '203.0.113.7',
              user_agent: 'App/1.0 (bench)',
              version: null,
              last_used_at: null,
              created_by: null,
              created_at: joined,
              revoked_at: s === 2 ? joined : null,
            },
          }),
      );
    }
  }
  await write(']\n');
  out.end();
  await once(out, 'finish');
}

function timedImport(file: string, env: Record<string, string>) {
  const started = performance.now();
  const result = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      'maxrss_kb=%M',
      process.execPath,
      'dist/apps/identity-server/src/cli.js',
      'import:drf-sso',
      '--file',
      file,
    ],
    { env: { ...process.env, NODE_ENV: 'production', ...env }, encoding: 'utf8' },
  );
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`import failed: ${result.stderr}${result.stdout}`);
  const rss = Number(/maxrss_kb=(\d+)/.exec(result.stderr)?.[1] ?? NaN);
  return {
    seconds: Math.round(seconds * 10) / 10,
    peakRssMb: Math.round(rss / 1024),
    summary: result.stdout.trim(),
  };
}

async function main(): Promise<void> {
  const env = { ...(await benchServerEnv()), SSO_PUBLIC_URL: 'https://sso.bench.example' };
  runCli(['migrations:run'], env);
  const file = join(mkdtempSync(join(tmpdir(), 'nest-sso-bench-import-')), 'export.json');
  await writeExport(file);
  const exportMb = Math.round(statSync(file).size / 1024 / 1024);
  console.log(`Export: ${USERS} users, ${USERS * SESSIONS_PER_USER} sessions, ${exportMb} MB`);
  const first = timedImport(file, env);
  console.log(`First import: ${first.seconds} s, peak RSS ${first.peakRssMb} MB\n${first.summary}`);
  const second = timedImport(file, env);
  console.log(`Re-import: ${second.seconds} s, peak RSS ${second.peakRssMb} MB\n${second.summary}`);
  const path = writeResult('import', {
    users: USERS,
    sessions: USERS * SESSIONS_PER_USER,
    exportMb,
    first: { seconds: first.seconds, peakRssMb: first.peakRssMb },
    reimport: { seconds: second.seconds, peakRssMb: second.peakRssMb },
  });
  console.log(`Wrote ${path}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
