import { PGlite } from '@electric-sql/pglite';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { embeddedSocketClient } from './database-connection';
import { EmbeddedSocketServer, serveEmbeddedDatabase } from './embedded-socket-server';

/**
 * The embedded database shared over its socket: real PGlite, real pg clients, and the serving
 * process's own queries at the same time. PGlite has one session, so what matters is that nobody's
 * statements run inside somebody else's transaction or extended-protocol exchange.
 */
describe(serveEmbeddedDatabase.name, () => {
  const socketDir = join(mkdtempSync(join(tmpdir(), 'embedded-socket-')), 'socket');
  let db: PGlite;
  let server: EmbeddedSocketServer;
  const clients: Client[] = [];

  const connect = async () => {
    const client = new Client(embeddedSocketClient(socketDir));
    client.on('error', () => undefined); // a client cut off by the server
    await client.connect();
    clients.push(client);
    return client;
  };
  /** Whether the promise is still pending after `ms` milliseconds. */
  const stillPending = async (promise: Promise<unknown>, ms = 150) =>
    Promise.race([
      promise.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), ms)),
    ]);
  const names = async () =>
    (await db.query<{ name: string }>('SELECT name FROM t ORDER BY id')).rows.map((r) => r.name);

  beforeAll(async () => {
    db = await PGlite.create();
    await db.exec('CREATE TABLE t (id serial PRIMARY KEY, name text NOT NULL)');
    server = await serveEmbeddedDatabase(db, socketDir, { idleInTransactionTimeout: 300 });
  }, 30_000);
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.end().catch(() => undefined)));
    await db.exec('TRUNCATE t');
  });
  afterAll(async () => {
    await server.close();
    await db.close();
  });

  it('should serve the same database on a socket only its user may open', async () => {
    expect(statSync(socketDir).mode & 0o777).toBe(0o700);
    const client = await connect();
    await client.query('INSERT INTO t (name) VALUES ($1)', ['from the socket']);
    await db.query('INSERT INTO t (name) VALUES ($1)', ['in process']);
    const { rows } = await client.query<{ name: string }>('SELECT name FROM t ORDER BY id');
    expect(rows.map((r) => r.name)).toEqual(['from the socket', 'in process']);
  });

  it("should hold the serving process's queries until a client's transaction ends, so a rollback takes only the client's work", async () => {
    const client = await connect();
    await client.query('BEGIN');
    await client.query('INSERT INTO t (name) VALUES ($1)', ['rolled back']);
    const inProcess = db.query('INSERT INTO t (name) VALUES ($1)', ['kept']);
    expect(await stillPending(inProcess)).toBe(true);
    await client.query('ROLLBACK');
    await inProcess;
    expect(await names()).toEqual(['kept']);
  });

  it("should keep clients' extended-protocol exchanges and the process's queries apart", async () => {
    const [a, b] = [await connect(), await connect()];
    // One query at a time per connection, as pg wants; the three streams run side by side.
    const echo = async (query: (v: string) => Promise<string>, tag: string) => {
      const values: string[] = [];
      for (let i = 0; i < 30; i++) values.push(await query(`${tag}${i}`));
      return values;
    };
    const over = (client: Client) => async (v: string) =>
      (await client.query<{ v: string }>('SELECT $1::text AS v', [v])).rows[0].v;
    const local = async (v: string) =>
      (await db.query<{ v: string }>('SELECT $1::text AS v', [v])).rows[0].v;
    const [fromA, fromB, fromProcess] = await Promise.all([
      echo(over(a), 'a'),
      echo(over(b), 'b'),
      echo(local, 'p'),
    ]);
    expect(fromA).toEqual(Array.from({ length: 30 }, (_, i) => `a${i}`));
    expect(fromB).toEqual(Array.from({ length: 30 }, (_, i) => `b${i}`));
    expect(fromProcess).toEqual(Array.from({ length: 30 }, (_, i) => `p${i}`));
  });

  it('should roll back the transaction of a client that goes away, and free the session', async () => {
    const client = await connect();
    await client.query('BEGIN');
    await client.query('INSERT INTO t (name) VALUES ($1)', ['abandoned']);
    const inProcess = db.query('INSERT INTO t (name) VALUES ($1)', ['after']);
    (
      client as unknown as { connection: { stream: { destroy(): void } } }
    ).connection.stream.destroy();
    await inProcess;
    expect(await names()).toEqual(['after']);
    expect(db.isInTransaction()).toBe(false);
  });

  it('should cut off a client idle inside a transaction, rolling it back', async () => {
    const client = await connect();
    await client.query('BEGIN');
    await client.query('INSERT INTO t (name) VALUES ($1)', ['stalled']);
    const started = Date.now();
    await db.query('INSERT INTO t (name) VALUES ($1)', ['waited']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(await names()).toEqual(['waited']);
    await expect(client.query('COMMIT')).rejects.toThrow();
  });

  it('should keep the one session alive when a client ends its connection (Terminate)', async () => {
    const first = await connect();
    await first.query('INSERT INTO t (name) VALUES ($1)', ['one']);
    await first.end();
    const second = await connect();
    const { rows } = await second.query<{ n: number }>('SELECT count(*)::int AS n FROM t');
    expect(rows[0].n).toBe(1);
  });
});
