import { stat } from 'node:fs/promises';
import { SingleBar } from 'cli-progress';
import { decodeJwt, SignJWT } from 'jose';
import { DataSource } from 'typeorm';
import { loadKeySet } from '@nest-sso/keys';
import {
  DjangoRecord,
  DrfSsoImporter,
  EMPTY_MAPPING,
  ImportSummary,
  MappingError,
  readDjangoDatabase,
  readDumpdata,
  readMapping,
} from '@nest-sso/importer';
import type { CliContext } from './cli-context';
import { CliError, DefineCommand, EXIT, Print, printJson, wholeNumber } from './command';

interface ImportOptions {
  file?: string;
  databaseUrl?: string;
  mapping?: string;
  dryRun?: boolean;
  batchSize: string;
  progress?: boolean;
  json?: boolean;
}

/** import:drf-sso — moves a djangorestframework-sso deployment's users and sessions here. */
export function registerImportCommands(define: DefineCommand, context: CliContext, print: Print) {
  define(
    'import:drf-sso',
    'Import users, permissions and live sessions from djangorestframework-sso (idempotent)',
  )
    .option('--file <path>', 'dumpdata JSON export; "-" for standard input')
    .option('--database-url <url>', 'read the Django PostgreSQL database instead of an export')
    .option('--mapping <path>', 'permissions, groups and accounts mapping (JSON)')
    .option('--dry-run', 'do everything, then roll back: print what would change')
    .option('--batch-size <n>', 'rows per transaction, 1 to 10000', '1000')
    .option('--progress', 'show a progress bar on standard error even when it is not a terminal')
    .option('--json', 'print the summary as JSON')
    .action(async (options: ImportOptions) => {
      const batchSize = wholeNumber('--batch-size', options.batchSize, 1, 10_000);
      if ((options.file === undefined) === (options.databaseUrl === undefined)) {
        throw new CliError(
          'Give exactly one of --file <path> and --database-url <url>',
          EXIT.usage,
        );
      }
      const mapping = options.mapping ? await mappingFrom(options.mapping) : EMPTY_MAPPING;
      const show = options.progress || process.stderr.isTTY;
      const size =
        options.file === undefined || options.file === '-'
          ? undefined
          : await fileSize(options.file);
      // A file has a known size: the bar follows the bytes read. Standard input and a database
      // have none: the line counts records.
      const bar = show ? progressBar(size !== undefined) : undefined;
      bar?.start(size ?? 0, 0, { records: 0 });
      let count = 0;
      let bytes = 0;
      const records: AsyncIterable<DjangoRecord> =
        options.file !== undefined
          ? readDumpdata(options.file === '-' ? process.stdin : options.file, (read) => {
              bytes = read;
            })
          : readDjangoDatabase(options.databaseUrl!);
      const importer = (await context.app()).get(DrfSsoImporter);
      let summary: ImportSummary;
      try {
        summary = await importer.run(records, {
          dryRun: options.dryRun,
          batchSize,
          mapping,
          onRecord: () => {
            count++;
            if (count % 1000 === 0) bar?.update(bytes, { records: count });
          },
        });
        bar?.update(size ?? 0, { records: count });
      } finally {
        bar?.stop();
      }
      if (options.json) return printJson(print, summary);
      print(summaryText(summary));
    });

  define(
    'import:verify',
    'Check that a sample of imported live sessions authorize at a running server, same uid',
  )
    .requiredOption('--url <url>', "the nest-sso server's base URL, e.g. http://localhost:3000")
    .option('--sample <n>', 'how many sessions, 1 to 10000', '20')
    .action(async (options: { url: string; sample: string }) => {
      const sample = wholeNumber('--sample', options.sample, 1, 10_000);
      const failures = await verifyImportedSessions(context, options.url, sample, print);
      if (failures > 0) throw new CliError(`${failures} session(s) did not authorize`);
    });
}

/**
 * For each of `sample` random active imported sessions: a session token as DRF-SSO issued it
 * (its claims, the signing key of SSO_IDENTITY, which is DRF-SSO's key file) is sent to
 * `POST <url>/authorize`, which must answer with an authorization token for the same `sid` and
 * the same integer `uid`. Returns the number of failures. (Each check records a use of the session.)
 */
async function verifyImportedSessions(
  context: CliContext,
  url: string,
  sample: number,
  print: Print,
): Promise<number> {
  const { config } = context;
  const { keySet } = await loadKeySet(config, { generate: false });
  const key = keySet.signingKey(config.identity);
  if (!key) throw new CliError(`No signing key for SSO_IDENTITY "${config.identity}"`);
  const rows = await (
    await context.app()
  )
    .get(DataSource)
    .query<{ sid: string; client_id: string; uid: string; email: string }[]>(
      `SELECT s.id AS sid, s.client_id, u.numeric_id AS uid, u.email
       FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE u.imported_at IS NOT NULL AND u.is_active
        AND (s.revoked_at IS NULL OR s.revoked_at > now())
      ORDER BY random() LIMIT $1`,
      [sample],
    );
  if (rows.length === 0) throw new CliError('No active imported session to check', EXIT.notFound);
  let failures = 0;
  for (const row of rows) {
    const uid = Number(row.uid);
    const token = await new SignJWT({
      token: 'session',
      sid: row.sid,
      cid: row.client_id,
      uid,
      email: row.email,
      iss: config.identity,
      aud: config.sessionAudience,
      iat: Math.floor(Date.now() / 1000),
    })
      .setProtectedHeader({ alg: key.algorithm, kid: key.kid, typ: 'JWT' })
      .sign(key.privateKey);
    const response = await fetch(new URL('/authorize', url), {
      method: 'POST',
      headers: { authorization: `JWT ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const body = (await response.json().catch(() => ({}))) as { token?: string };
    const claims = body.token ? decodeJwt(body.token) : undefined;
    if (response.status === 200 && claims?.uid === uid && claims.sid === row.sid) continue;
    failures++;
    print(
      `session ${row.sid} (user ${uid}): HTTP ${response.status} ${JSON.stringify(claims?.uid ?? body)}`,
    );
  }
  print(
    `${rows.length - failures} of ${rows.length} imported session(s) authorize with the same uid`,
  );
  return failures;
}

function progressBar(sized: boolean): SingleBar {
  return new SingleBar({
    stream: process.stderr,
    format: sized
      ? 'Importing [{bar}] {percentage}% | {records} records'
      : 'Importing… {records} records',
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 5000,
  });
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    throw new CliError(`No such file: ${path}`, EXIT.notFound);
  }
}

async function mappingFrom(path: string) {
  try {
    return await readMapping(path);
  } catch (error) {
    if (error instanceof MappingError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
}

/** The summary an operator reads: counts, then each skipped row with its reason (the first 50). */
export function summaryText(summary: ImportSummary): string {
  const counts = (c: ImportSummary['users']) =>
    `${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged`;
  const lines = [
    summary.dryRun ? 'Dry run: nothing was written. It would have done:' : 'Imported:',
    `  users:       ${counts(summary.users)}`,
    `  sessions:    ${counts(summary.sessions)}`,
    `  memberships: ${counts(summary.memberships)}`,
    `  skipped:     ${summary.skipped.length} row(s)`,
  ];
  if (summary.ignoredRecords > 0) {
    lines.push(`  ignored:     ${summary.ignoredRecords} record(s) of other models`);
  }
  for (const row of summary.skipped.slice(0, 50)) {
    lines.push(`  skipped ${row.model} ${row.key}: ${row.reason}`);
  }
  if (summary.skipped.length > 50)
    lines.push(`  … and ${summary.skipped.length - 50} more (--json lists all)`);
  if (summary.unverifiableHashes.length > 0) {
    lines.push(
      `  ${summary.unverifiableHashes.length} user(s) have a password hash nest-sso cannot verify; they must set a new password:`,
    );
    for (const row of summary.unverifiableHashes.slice(0, 20)) {
      lines.push(`    user ${row.key}: ${row.reason}`);
    }
  }
  return lines.join('\n');
}
