import { Injectable } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import type { FieldError } from '@nest-sso/common';
import { STORED_CLIENT_ID_MAX_LENGTH, USER_AGENT_MAX_LENGTH } from '@nest-sso/sessions';
import { isDjangoHash, UserRules } from '@nest-sso/users';
import type { DjangoRecord } from './django-records';
import { EMPTY_MAPPING, ImportMapping } from './import-mapping';
import { SESSIONS_UPSERT_SQL, USERS_CONFLICTS_SQL, USERS_UPSERT_SQL } from './import-sql';

export interface ImportOptions {
  /** Do everything inside one transaction and roll it back: the summary says what would change. */
  dryRun?: boolean;
  /** Users or sessions per transaction (default 1000). */
  batchSize?: number;
  mapping?: ImportMapping;
  /** Called after each record read (for a progress bar). */
  onRecord?: () => void;
}

/** Rows written, by what happened to them. */
export interface ImportCounts {
  created: number;
  updated: number;
  unchanged: number;
}

/** A row of the export that was not imported, and why. */
export interface SkippedRow {
  model: string;
  /** The Django primary key (user id, session id) or natural key of the row. */
  key: string;
  reason: string;
}

/** What one run did (or, with `dryRun`, would do). */
export interface ImportSummary {
  dryRun: boolean;
  users: ImportCounts;
  sessions: ImportCounts;
  memberships: ImportCounts;
  /** Records of models the importer does not read (`dumpdata` of more apps). */
  ignoredRecords: number;
  skipped: SkippedRow[];
  /** Imported users whose password hash nest-sso cannot verify: they must set a new password. */
  unverifiableHashes: SkippedRow[];
}

interface UserRow {
  numeric_id: number;
  email: string;
  username: string;
  password_hash: string;
  is_active: boolean;
  permissions: string[];
  created_at: string;
  last_login_at: string | null;
}

interface SessionRow {
  id: string;
  numeric_id: number;
  client_id: string;
  ip_address: string | null;
  user_agent: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DEFAULT_BATCH_SIZE = 1000;

/**
 * Imports a djangorestframework-sso deployment (`dumpdata auth.user auth.group auth.permission
 * rest_framework_sso.sessiontoken --natural-foreign`, or the same read from its database) into
 * nest-sso: users keep their Django id (`numeric_id`, the tokens' `uid`) and password hash, sessions
 * keep their id (the tokens' `sid`), so clients and downstream services see no change.
 *
 * Idempotent: users are matched by Django id and sessions by id; a re-run writes only what
 * changed. It never undoes what happened in nest-sso since: a password rehashed or changed
 * here, a session revoked here or its later use. Each batch is one transaction; a row that breaks
 * a rule or a constraint is reported in `skipped` and the rest of its batch is written.
 */
@Injectable()
export class DrfSsoImporter {
  constructor(private readonly dataSource: DataSource) {}

  async run(
    records: AsyncIterable<DjangoRecord>,
    options: ImportOptions = {},
  ): Promise<ImportSummary> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      return await new ImportRun(runner, options).run(records);
    } finally {
      await runner.release();
    }
  }
}

/** One run's state: the maps from Django's keys, the pending batches and the counts. */
class ImportRun {
  private readonly mapping: ImportMapping;
  private readonly batchSize: number;
  private readonly summary: ImportSummary;
  /** `app_label.codename` by permission natural key (`codename|app_label|model`) and by pk. */
  private readonly permissionNames = new Map<string, string>();
  /** Group name → permission names; and group pk → name (exports without natural keys). */
  private readonly groupPermissions = new Map<string, string[]>();
  private readonly groupNames = new Map<number, string>();
  /** Django username → Django id, for sessions exported with natural foreign keys. */
  private readonly userIds = new Map<string, number>();
  /** Django ids of users that are in nest-sso after this run. */
  private readonly importedUsers = new Set<number>();
  /** Login names (normalised) already taken by an earlier row of this export → its Django id. */
  private readonly loginNames = new Map<string, number>();
  private users: UserRow[] = [];
  private sessions: SessionRow[] = [];
  /** Sessions whose user had not been read yet (exports not sorted by dependencies). */
  private deferred: DjangoRecord[] = [];
  /** The highest Django user id in the export, skipped rows included (their ids stay reserved). */
  private highestUserPk = 0;
  private savepoint = 0;

  constructor(
    private readonly runner: QueryRunner,
    options: ImportOptions,
  ) {
    this.mapping = options.mapping ?? EMPTY_MAPPING;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.onRecord = options.onRecord;
    const counts = () => ({ created: 0, updated: 0, unchanged: 0 });
    this.summary = {
      dryRun: options.dryRun ?? false,
      users: counts(),
      sessions: counts(),
      memberships: counts(),
      ignoredRecords: 0,
      skipped: [],
      unverifiableHashes: [],
    };
  }

  private readonly onRecord?: () => void;

  async run(records: AsyncIterable<DjangoRecord>): Promise<ImportSummary> {
    // A dry run is one transaction rolled back at the end, its batches savepoints: later batches
    // see the earlier ones (a session's user), and nothing stays.
    if (this.summary.dryRun) await this.runner.startTransaction();
    try {
      for await (const record of records) {
        this.read(record);
        await this.flushIfFull();
        this.onRecord?.();
      }
      await this.flushUsers();
      for (const record of this.deferred) this.readSession(record, true);
      this.deferred = [];
      await this.flushSessions();
      await this.importAccounts();
      // setval is not transactional: a dry run must not move the sequence.
      if (!this.summary.dryRun) await this.advanceSequence();
    } finally {
      if (this.summary.dryRun) await this.runner.rollbackTransaction();
    }
    return this.summary;
  }

  private read(record: DjangoRecord): void {
    switch (record.model) {
      case 'auth.permission':
        return this.readPermission(record);
      case 'auth.group':
        return this.readGroup(record);
      case 'auth.user':
        return this.readUser(record);
      case 'rest_framework_sso.sessiontoken':
        return this.readSession(record, false);
      default:
        this.summary.ignoredRecords++;
    }
  }

  private skip(model: string, key: unknown, reason: string): void {
    this.summary.skipped.push({ model, key: String(key), reason });
  }

  private readPermission({ pk, fields }: DjangoRecord): void {
    const contentType = fields.content_type;
    if (typeof fields.codename !== 'string' || !Array.isArray(contentType)) {
      return this.skip(
        'auth.permission',
        pk,
        'needs "codename" and a natural-key "content_type" (export with --natural-foreign)',
      );
    }
    const [appLabel, model] = contentType as [string, string];
    const name = `${appLabel}.${fields.codename}`;
    this.permissionNames.set(`${fields.codename}|${appLabel}|${model}`, name);
    if (typeof pk === 'number') this.permissionNames.set(`#${pk}`, name);
  }

  /** The nest-sso name of a permission reference (natural key or pk), after the mapping. */
  private permissionName(ref: unknown): string | null | undefined {
    const key = Array.isArray(ref) ? ref.join('|') : `#${String(ref)}`;
    const name =
      this.permissionNames.get(key) ??
      (Array.isArray(ref) && ref.length === 3 ? `${String(ref[1])}.${String(ref[0])}` : undefined);
    if (name === undefined) return undefined;
    return name in this.mapping.permissions ? this.mapping.permissions[name] : name;
  }

  private readGroup({ pk, fields }: DjangoRecord): void {
    if (typeof fields.name !== 'string') return this.skip('auth.group', pk, 'has no "name"');
    const names = asArray(fields.permissions).map((ref) => this.permissionName(ref));
    this.groupPermissions.set(
      fields.name,
      names.filter((n): n is string => typeof n === 'string'),
    );
    if (typeof pk === 'number') this.groupNames.set(pk, fields.name);
  }

  private readUser({ pk, fields }: DjangoRecord): void {
    const model = 'auth.user';
    if (typeof pk !== 'number' || !Number.isSafeInteger(pk) || pk < 1) {
      return this.skip(
        model,
        pk ?? fields.username,
        'has no integer "pk" (export without --natural-primary)',
      );
    }
    // Reserved even if the row is skipped: fixed in Django and imported again later, it must not
    // meet a user created here meanwhile.
    this.highestUserPk = Math.max(this.highestUserPk, pk);
    // Known even if the row is skipped, so that its sessions are reported as such.
    if (typeof fields.username === 'string') this.userIds.set(fields.username, pk);
    const errors: FieldError[] = [];
    if (typeof fields.email !== 'string' || fields.email.trim() === '') {
      return this.skip(
        model,
        pk,
        'has no email address (nest-sso needs one; set it in Django and re-export)',
      );
    }
    const email = UserRules.email(fields.email, errors);
    const username = UserRules.username(fields.username, errors);
    const permissions = UserRules.permissions(this.permissionsOf(fields), errors);
    if (errors.length > 0) return this.skip(model, pk, errors.map((e) => e.message).join('; '));
    for (const name of new Set([email!, username!])) {
      const holder = this.loginNames.get(name);
      if (holder !== undefined && holder !== pk) {
        return this.skip(
          model,
          pk,
          `"${name}" is also a login name of user ${holder} (nest-sso compares them case-insensitively)`,
        );
      }
    }
    for (const name of [email!, username!]) this.loginNames.set(name, pk);

    const password =
      typeof fields.password === 'string' && fields.password !== '' ? fields.password : '!';
    if (!password.startsWith('!') && !isDjangoHash(password)) {
      const algorithm = password.includes('$')
        ? password.slice(0, password.indexOf('$'))
        : 'unknown';
      this.summary.unverifiableHashes.push({
        model,
        key: String(pk),
        reason: `password hash "${algorithm}" is not supported`,
      });
    }
    this.users.push({
      numeric_id: pk,
      email: email!,
      username: username!,
      password_hash: password,
      is_active: fields.is_active !== false,
      permissions: permissions!.sort(),
      created_at:
        typeof fields.date_joined === 'string' ? fields.date_joined : new Date().toISOString(),
      last_login_at: typeof fields.last_login === 'string' ? fields.last_login : null,
    });
  }

  /** User permissions ∪ the permissions of the user's groups ∪ the mapping's extras. */
  private permissionsOf(fields: Record<string, unknown>): string[] {
    const names = new Set<string>();
    for (const ref of asArray(fields.user_permissions)) {
      const name = this.permissionName(ref);
      if (typeof name === 'string') names.add(name);
    }
    for (const ref of asArray(fields.groups)) {
      const group = Array.isArray(ref) ? String(ref[0]) : this.groupNames.get(Number(ref));
      if (group === undefined) continue;
      for (const name of this.groupPermissions.get(group) ?? []) names.add(name);
      for (const name of this.mapping.groups[group] ?? []) names.add(name);
    }
    if (fields.is_superuser === true) for (const name of this.mapping.superuser) names.add(name);
    return [...names];
  }

  private readSession(record: DjangoRecord, final: boolean): void {
    const { pk, fields } = record;
    const model = 'rest_framework_sso.sessiontoken';
    if (typeof pk !== 'string' || !UUID.test(pk))
      return this.skip(model, pk, 'its id is not a UUID');
    const ref = fields.user;
    const userId =
      typeof ref === 'number'
        ? ref
        : Array.isArray(ref)
          ? this.userIds.get(String(ref[0]))
          : undefined;
    if (userId === undefined) {
      if (!final) return void this.deferred.push(record);
      return this.skip(model, pk, `its user ${JSON.stringify(ref)} is not in the export`);
    }
    if (!this.importedUsers.has(userId) && !this.users.some((u) => u.numeric_id === userId)) {
      return this.skip(model, pk, `its user ${userId} was not imported (see the users skipped)`);
    }
    const clientId = typeof fields.client_id === 'string' ? fields.client_id : '';
    if (clientId.length > STORED_CLIENT_ID_MAX_LENGTH) {
      return this.skip(
        model,
        pk,
        `its client id is longer than ${STORED_CLIENT_ID_MAX_LENGTH} characters`,
      );
    }
    if (typeof fields.created_at !== 'string') return this.skip(model, pk, 'has no "created_at"');
    this.sessions.push({
      id: pk.toLowerCase(),
      numeric_id: userId,
      client_id: clientId,
      ip_address: typeof fields.ip_address === 'string' ? fields.ip_address : null,
      user_agent:
        typeof fields.user_agent === 'string'
          ? fields.user_agent.slice(0, USER_AGENT_MAX_LENGTH)
          : '',
      created_at: fields.created_at,
      last_used_at: typeof fields.last_used_at === 'string' ? fields.last_used_at : null,
      revoked_at: typeof fields.revoked_at === 'string' ? fields.revoked_at : null,
    });
  }

  private async flushIfFull(): Promise<void> {
    if (this.users.length >= this.batchSize) await this.flushUsers();
    if (this.sessions.length >= this.batchSize) {
      await this.flushUsers();
      await this.flushSessions();
    }
  }

  /** One batch of users: rows whose login names another nest-sso user holds are skipped first. */
  private async flushUsers(): Promise<void> {
    const batch = this.users;
    this.users = [];
    if (batch.length === 0) return;
    const names = batch.flatMap((u) => [u.email, u.username]);
    const holders = (await this.runner.query(USERS_CONFLICTS_SQL, [
      names,
      batch.map((u) => u.numeric_id),
    ])) as {
      numeric_id: string | null;
      email: string;
      username: string | null;
      imported: boolean;
    }[];
    const accepted = batch.filter((row) => {
      for (const holder of holders) {
        const same = holder.numeric_id !== null && Number(holder.numeric_id) === row.numeric_id;
        if (same && !holder.imported) {
          this.skip(
            'auth.user',
            row.numeric_id,
            `its id is the numeric id of a user created in nest-sso <${holder.email}>`,
          );
          return false;
        }
        const holds = [holder.email, holder.username].some(
          (n) => n === row.email || n === row.username,
        );
        if (holds && !same) {
          this.skip(
            'auth.user',
            row.numeric_id,
            `a nest-sso user <${holder.email}> already has its email or username`,
          );
          return false;
        }
      }
      return true;
    });
    const written = await this.writeBatch(
      'auth.user',
      accepted,
      (r) => r.numeric_id,
      USERS_UPSERT_SQL,
      this.summary.users,
    );
    for (const row of written) this.importedUsers.add(row.numeric_id);
  }

  private async flushSessions(): Promise<void> {
    const batch = this.sessions;
    this.sessions = [];
    const ready = batch.filter((s) => {
      if (this.importedUsers.has(s.numeric_id)) return true;
      this.skip(
        'rest_framework_sso.sessiontoken',
        s.id,
        `its user ${s.numeric_id} was not imported (see the users skipped)`,
      );
      return false;
    });
    await this.writeBatch(
      'rest_framework_sso.sessiontoken',
      ready,
      (r) => r.id,
      SESSIONS_UPSERT_SQL,
      this.summary.sessions,
    );
  }

  /**
   * Writes `rows` with `sql` (an upsert of `$1`, a JSON array, returning the rows written and
   * whether each was created) in one transaction. If the batch fails, it is written again row by
   * row, each in a savepoint, so the rows that fail are reported and skipped whole and the rest
   * are written. Returns the rows now in the database.
   */
  private async writeBatch<T>(
    model: string,
    rows: T[],
    key: (row: T) => string | number,
    sql: string,
    counts: ImportCounts,
  ): Promise<T[]> {
    if (rows.length === 0) return [];
    try {
      const result = await this.transaction(
        () => this.runner.query(sql, [JSON.stringify(rows)]) as Promise<{ created: boolean }[]>,
      );
      this.count(counts, rows.length, result);
      return rows;
    } catch {
      const written: T[] = [];
      await this.transaction(async () => {
        for (const row of rows) {
          try {
            const result = await this.nested(
              () =>
                this.runner.query(sql, [JSON.stringify([row])]) as Promise<{ created: boolean }[]>,
            );
            this.count(counts, 1, result);
            written.push(row);
          } catch (error) {
            this.skip(model, key(row), (error as Error).message);
          }
        }
      });
      return written;
    }
  }

  private count(counts: ImportCounts, total: number, result: { created: boolean }[]): void {
    const created = result.filter((r) => r.created).length;
    counts.created += created;
    counts.updated += result.length - created;
    counts.unchanged += total - result.length;
  }

  /** One batch: a transaction, or a savepoint inside a dry run's transaction. */
  private async transaction<R>(work: () => Promise<R>): Promise<R> {
    if (this.summary.dryRun) return this.nested(work);
    await this.runner.startTransaction();
    try {
      const result = await work();
      await this.runner.commitTransaction();
      return result;
    } catch (error) {
      await this.runner.rollbackTransaction();
      throw error;
    }
  }

  private async nested<R>(work: () => Promise<R>): Promise<R> {
    const name = `import_${++this.savepoint}`;
    await this.runner.query(`SAVEPOINT ${name}`);
    try {
      const result = await work();
      await this.runner.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (error) {
      await this.runner.query(`ROLLBACK TO SAVEPOINT ${name}`);
      throw error;
    }
  }

  /** Accounts and memberships of the mapping file, by account name and user. */
  private async importAccounts(): Promise<void> {
    for (const account of this.mapping.accounts) {
      await this.transaction(async () => {
        await this.runner.query(
          `INSERT INTO accounts (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`,
          [account.name],
        );
        for (const member of account.members) {
          const userId =
            typeof member.user === 'number' ? member.user : this.userIds.get(member.user);
          const key = `${account.name}/${member.user}`;
          if (userId === undefined || !this.importedUsers.has(userId)) {
            this.skip('membership', key, 'its user is not among the users imported');
            continue;
          }
          const errors: FieldError[] = [];
          const permissions = UserRules.permissions(member.permissions, errors);
          if (!permissions) {
            this.skip('membership', key, errors.map((e) => e.message).join('; '));
            continue;
          }
          const result = (await this.runner.query(MEMBERSHIP_UPSERT_SQL, [
            account.name,
            userId,
            permissions.sort(),
          ])) as { created: boolean }[];
          this.count(this.summary.memberships, 1, result);
        }
      });
    }
  }

  /**
   * Users created here from now on get integer ids past every imported one and past every id of
   * the export, skipped rows included.
   */
  private async advanceSequence(): Promise<void> {
    await this.runner.query(
      `
      SELECT setval('users_numeric_id_seq', m.max_id)
        FROM (SELECT NULLIF(GREATEST(max(numeric_id), $1::bigint), 0) AS max_id FROM users) m,
             users_numeric_id_seq s
       WHERE m.max_id IS NOT NULL AND (NOT s.is_called OR m.max_id > s.last_value)`,
      [this.highestUserPk],
    );
  }
}

const MEMBERSHIP_UPSERT_SQL = `
  INSERT INTO memberships AS m (user_id, account_id, permissions)
  SELECT u.id, a.id, $3::text[] FROM users u, accounts a WHERE a.name = $1 AND u.numeric_id = $2
  ON CONFLICT (user_id, account_id) DO UPDATE SET permissions = excluded.permissions
   WHERE m.permissions IS DISTINCT FROM excluded.permissions
  RETURNING (xmax = 0) AS created`;

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
