import type { PGlite } from '@electric-sql/pglite';

/** One wire-protocol message from a socket client, waiting for the database. */
interface Pending {
  readonly client: number;
  /** `null`: the client is gone; close whatever it left open. */
  readonly message: Uint8Array | null;
  readonly onData: (data: Uint8Array) => void;
  readonly resolve: (bytes: number) => void;
  readonly reject: (error: Error) => void;
}

/** Transaction status in ReadyForQuery: idle, in a transaction block, in a failed one. */
type ReadyStatus = 'I' | 'T' | 'E';

const TERMINATE = 0x58; // 'X'
const SYNC = Uint8Array.of(0x53, 0, 0, 0, 4); // 'S', length 4
const ROLLBACK = simpleQuery('ROLLBACK');

export interface EmbeddedSessionQueueOptions {
  /** Milliseconds a client may keep the session inside a transaction without sending anything. */
  readonly idleInTransactionTimeout: number;
  /** Called when a client exceeds it: close its connection (which rolls its transaction back). */
  readonly onIdleInTransaction: (client: number) => void;
}

/**
 * Shares the embedded database's one PostgreSQL session between the server's own queries and the
 * socket clients (the CLI, a second server), without their statements ever interleaving.
 *
 * PGlite is a single backend with a single session. pglite-socket's own queue takes the database
 * for one wire message at a time, so a client's Parse/Bind/Execute could interleave with another
 * client's or with the server's in-process queries (which reuse the unnamed statement), and the
 * server's queries could land inside a client's transaction. Here a client holds PGlite's query
 * lock (`runExclusive`, which the in-process `query()` calls also wait for) from its first message
 * until PGlite answers ReadyForQuery with the idle status: a whole extended-protocol exchange, or a
 * whole BEGIN…COMMIT. A client that goes quiet inside a transaction is cut off after
 * `idleInTransactionTimeout` (as PostgreSQL's idle_in_transaction_session_timeout does), so that
 * it cannot stall the server; a client that goes away mid-way has its transaction rolled back.
 *
 * It implements the interface pglite-socket's `PGLiteSocketHandler` expects of its queue.
 */
export class EmbeddedSessionQueue {
  private pending: Pending[] = [];
  /** The client holding the session, and how to let it go. */
  private holder: { client: number; release: () => void } | null = null;
  private pumping = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly db: PGlite,
    private readonly options: EmbeddedSessionQueueOptions,
  ) {}

  /** Runs one wire message of `client` in turn, streaming PGlite's answer to `onData`. */
  enqueue(
    client: number,
    message: Uint8Array,
    onData: (data: Uint8Array) => void,
  ): Promise<number> {
    return this.push(client, message, onData);
  }

  /** The client is gone: drop its waiting messages. */
  clearQueueForHandler(client: number): void {
    this.pending = this.pending.filter((entry) => {
      if (entry.client !== client) return true;
      entry.reject(new Error('Client disconnected'));
      return false;
    });
  }

  /** The client is gone: if it holds the session, end what it left open and let the session go. */
  async clearTransactionIfNeeded(client: number): Promise<void> {
    if (this.holder?.client === client) await this.push(client, null, () => undefined);
  }

  /** Resolves once no client holds the session and nothing waits (before closing the database). */
  idle(): Promise<void> {
    if (this.holder === null && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private push(
    client: number,
    message: Uint8Array | null,
    onData: (data: Uint8Array) => void,
  ): Promise<number> {
    return new Promise((resolve, reject) => {
      this.pending.push({ client, message, onData, resolve, reject });
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    clearTimeout(this.idleTimer);
    try {
      for (;;) {
        const holder = this.holder?.client;
        const index =
          holder === undefined
            ? this.pending.length > 0
              ? 0
              : -1
            : this.pending.findIndex((entry) => entry.client === holder);
        if (index < 0) break;
        const [next] = this.pending.splice(index, 1);
        if (this.holder === null) await this.take(next.client);
        try {
          const status = next.message ? await this.run(next) : await this.reset(next);
          if (status === 'I') this.letGo();
        } catch (error) {
          next.reject(error as Error);
          this.letGo();
        }
      }
      if (this.holder !== null) {
        const client = this.holder.client;
        this.idleTimer = setTimeout(
          () => this.options.onIdleInTransaction(client),
          this.options.idleInTransactionTimeout,
        );
      } else {
        for (const resolve of this.idleWaiters.splice(0)) resolve();
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Takes PGlite's query lock for `client`. The server's own TypeORM transactions release the lock
   * between statements, so a client arriving mid-way waits for their COMMIT instead of joining.
   */
  private async take(client: number): Promise<void> {
    for (;;) {
      const release = await new Promise<() => void>((acquired) => {
        void this.db.runExclusive(() => new Promise<void>((done) => acquired(done)));
      });
      if (!this.db.isInTransaction()) {
        this.holder = { client, release };
        return;
      }
      release();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private letGo(): void {
    this.holder?.release();
    this.holder = null;
  }

  /** Runs one message and returns the transaction status if PGlite ended with ReadyForQuery. */
  private async run(entry: Pending): Promise<ReadyStatus | null> {
    const message = entry.message!;
    // Terminate would end PGlite's one session, which outlives every client: the close that
    // follows it is enough.
    if (message[0] === TERMINATE) {
      entry.resolve(0);
      return null;
    }
    let bytes = 0;
    let tail: Uint8Array = new Uint8Array(0);
    await this.db.execProtocolRawStream(message, {
      onRawData: (data) => {
        bytes += data.length;
        tail = lastBytes(tail, data, 6);
        entry.onData(data);
      },
    });
    entry.resolve(bytes);
    return readyStatus(tail);
  }

  /** Closes what a departed client left open: an extended-protocol exchange, a transaction. */
  private async reset(entry: Pending): Promise<ReadyStatus> {
    const ignore = { onRawData: () => undefined };
    await this.db.execProtocolRawStream(SYNC, ignore);
    if (this.db.isInTransaction()) await this.db.execProtocolRawStream(ROLLBACK, ignore);
    entry.resolve(0);
    return 'I';
  }
}

/** The status of the ReadyForQuery message ending `tail` ('Z', length 5, status), if it is one. */
function readyStatus(tail: Uint8Array): ReadyStatus | null {
  const header = [0x5a, 0, 0, 0, 5];
  if (tail.length < 6 || header.some((byte, i) => tail[i] !== byte)) return null;
  const status = String.fromCharCode(tail[5]);
  return status === 'I' || status === 'T' || status === 'E' ? status : null;
}

/** The last `n` bytes of `previous` followed by `data`. */
function lastBytes(previous: Uint8Array, data: Uint8Array, n: number): Uint8Array {
  if (data.length >= n) return data.slice(data.length - n);
  const joined = new Uint8Array(previous.length + data.length);
  joined.set(previous);
  joined.set(data, previous.length);
  return joined.slice(Math.max(0, joined.length - n));
}

/** A simple-protocol Query message. */
function simpleQuery(sql: string): Uint8Array {
  const text = Buffer.from(`${sql}\0`, 'utf8');
  const message = Buffer.alloc(5 + text.length);
  message.write('Q', 0, 'latin1');
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return new Uint8Array(message);
}
