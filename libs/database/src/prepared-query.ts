import type { Repository, ObjectLiteral } from 'typeorm';
import { sharesOneSession } from './data-source-options';

/** The part of node-postgres' `Pool` used here. */
interface PreparingPool {
  query<R>(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: R[] }>;
}

/**
 * Runs a hot-path query. On PostgreSQL it goes straight to node-postgres' pool as a named
 * prepared statement: parsed and planned once per connection (PostgreSQL's CPU per query fell by
 * two thirds) and without TypeORM's per-query overhead. On the embedded database (directly or
 * through a server's socket: one session for all) it runs through TypeORM, unnamed. `name` must
 * be unique per distinct `text`.
 */
export async function preparedQuery<R>(
  repository: Repository<ObjectLiteral>,
  name: string,
  text: string,
  values: unknown[],
): Promise<R[]> {
  const { connection } = repository.manager;
  const pool = (connection.driver as { master?: PreparingPool }).master;
  if (pool && !sharesOneSession(connection.options))
    return (await pool.query<R>({ name: `nest-sso-${name}`, text, values })).rows;
  return repository.query<R[]>(text, values);
}
