import { Client } from 'pg';

/** What node-postgres answers when `query_timeout` passes with no reply from the server. */
const READ_TIMEOUT = 'Query read timeout';

/**
 * node-postgres' client, used by the pool (the `Client` pool option), with one change: a query
 * that got no answer within `query_timeout` ends its connection. node-postgres fails the query
 * but keeps the connection, whose next query then waits behind the lost one for ever, so a few
 * seconds of dropped packets would leave every pooled connection checked out and the server
 * answering 503 until restarted. Ending the connection makes the pool drop it and open a fresh one
 * when the network is back.
 */
export class EvictingClient extends Client {
  // The overloads of Client.query all end up here; the override only watches the outcome.
  override query(...args: unknown[]): never {
    const run = (super.query as (...a: unknown[]) => unknown).bind(this);
    const last = args.at(-1);
    if (typeof last === 'function') {
      const callback = last as (error: Error | null, ...rest: unknown[]) => void;
      args[args.length - 1] = (error: Error | null, ...rest: unknown[]) => {
        this.evictOn(error);
        callback(error, ...rest);
      };
      return run(...args) as never;
    }
    const result = run(...args);
    if (result instanceof Promise) {
      return result.catch((error: unknown) => {
        this.evictOn(error);
        throw error;
      }) as never;
    }
    return result as never;
  }

  /**
   * Runs `work` with no read timeout on this connection (migrations: a long `CREATE INDEX` is
   * not a lost connection). PostgreSQL's own `statement_timeout` is the caller's to lift.
   */
  async withoutReadTimeout<T>(work: () => Promise<T>): Promise<T> {
    const parameters = (this as unknown as { connectionParameters: { query_timeout: unknown } })
      .connectionParameters;
    const before = parameters.query_timeout;
    parameters.query_timeout = false;
    try {
      return await work();
    } finally {
      parameters.query_timeout = before;
    }
  }

  private evictOn(error: unknown): void {
    if (error instanceof Error && error.message === READ_TIMEOUT) {
      (
        this as unknown as { connection: { stream: { destroy(): void } } }
      ).connection.stream.destroy();
    }
  }
}
