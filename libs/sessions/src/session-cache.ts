import { Inject, Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { Client, Notification } from 'pg';
import { Counter } from 'prom-client';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { Metrics } from '@nest-sso/metrics';
import type { ActiveSession } from './active-session';

/** The channel the database triggers notify (migration 1764700000000). */
export const SESSION_CHECK_CHANNEL = 'nest_sso_session_check';
/** Most session checks held; about 1–2 KB each. */
const MAX_ENTRIES = 20_000;
/** Back-off between attempts to reconnect the listener, in ms. */
const RECONNECT_MS = [1000, 2000, 5000];

/**
 * Session checks (the session, its user and the user's memberships) held for at most
 * `SSO_SESSION_CACHE_TTL` seconds, so that a busy session costs no database round trip per
 * request, without weakening revocation:
 *
 * - every server LISTENs on `nest_sso_session_check`, which database triggers notify when a
 *   session ends, a user changes (deactivation, permissions) or memberships change, whichever
 *   process made the write; each server drops the matching checks when the notification arrives;
 * - the process that makes such a write through this server also drops them at once, before it
 *   answers;
 * - while the listener is not connected (not yet, or lost), nothing is cached: every check reads
 *   through to the database until the listener is back (a notification may have been missed, so
 *   the cache is emptied on loss);
 * - a check read while a notification arrived is not kept (a generation counter), so a read that
 *   raced with a revocation cannot be cached;
 * - on the embedded database, and with `SSO_SESSION_CACHE_TTL=0`, nothing is cached.
 */
@Injectable()
export class SessionCache implements OnApplicationShutdown {
  private readonly logger = new Logger('SessionCache');
  private readonly entries: LRUCache<string, ActiveSession> | null;
  private client: Client | null = null;
  private listening = false;
  private started = false;
  private stopped = false;
  private attempt = 0;
  private reconnect: NodeJS.Timeout | undefined;
  /** Waiting `notified` calls, told of every notification received. */
  private readonly waiters = new Set<(payload: string) => void>();
  /** Notifications received in the last moments, for a `notified` call that comes after them. */
  private readonly echoed = new LRUCache<string, true>({ max: 10_000, ttl: 2000 });
  /** Bumped by every invalidation: a read that started before one is not cached. */
  private generation = 0;

  /** Session checks by where the answer came from: `cache` or `database`. */
  private readonly checks: Counter<'source'> | null;

  constructor(
    @Inject(SSO_CONFIG) private readonly config: SsoConfig,
    // Absent in the CLI, which checks no sessions.
    @Optional() metrics?: Metrics,
  ) {
    this.checks = metrics
      ? new Counter({
          name: 'nest_sso_session_checks_total',
          help: 'Session checks by source: cache (no database round trip) or database',
          labelNames: ['source'] as const,
          registers: [metrics.registry],
        })
      : null;
    const ttl = config.sessionCacheTtl;
    this.entries =
      ttl > 0 && config.database.url !== null
        ? new LRUCache({ max: MAX_ENTRIES, ttl: ttl * 1000, ttlAutopurge: false })
        : null;
  }

  /** Whether checks are being cached now (the listener is connected). */
  get active(): boolean {
    return this.entries !== null && this.listening;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnect);
    this.listening = false;
    await this.client?.end().catch(() => undefined);
  }

  /**
   * Session `id`'s check: from the cache while the listener is connected, otherwise (or on a
   * miss) from `read`, kept for the TTL (or until the session's scheduled expiry, if sooner).
   */
  async get(id: string, read: () => Promise<ActiveSession | null>): Promise<ActiveSession | null> {
    // Listening starts with the first check: processes that never check (the CLI) never listen.
    if (this.entries && !this.started) {
      this.started = true;
      void this.listen();
    }
    if (!this.active) {
      this.checks?.inc({ source: 'database' });
      return read();
    }
    const hit = this.entries!.get(id);
    if (hit) {
      this.checks?.inc({ source: 'cache' });
      return hit;
    }
    this.checks?.inc({ source: 'database' });
    const generation = this.generation;
    const session = await read();
    if (session && this.active && generation === this.generation) {
      const expiresIn = session.revokedAt ? session.revokedAt.getTime() - Date.now() : Infinity;
      const ttl = Math.min(this.config.sessionCacheTtl * 1000, expiresIn);
      if (ttl > 0) this.entries!.set(id, session, { ttl });
    }
    return session;
  }

  /**
   * Resolves once this process's listener has received every one of `payloads` back from
   * PostgreSQL (`s:<session id>`, `u:<user id>`), or after `timeoutMs`. PostgreSQL signals every
   * listening connection at the same commit, so a change's answer waits for this: by the time
   * the client hears "revoked", the other processes have been sent the notification too.
   * Immediate when not listening (nothing is cached then, here or anywhere that lost its listener).
   */
  async notified(payloads: readonly string[], timeoutMs = 250): Promise<void> {
    if (!this.active || payloads.length === 0) return;
    const pending = payloads.filter((p) => !this.echoed.has(p));
    if (pending.length === 0) return;
    await new Promise<void>((resolve) => {
      const left = new Set(pending);
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve();
      }
      const waiter = (payload: string) => {
        left.delete(payload);
        if (left.size === 0) done();
      };
      const waiters = this.waiters;
      waiters.add(waiter);
    });
  }

  /** Drops the checks of these sessions (they ended). */
  forgetSessions(ids: readonly string[]): void {
    this.generation++;
    for (const id of ids) this.entries?.delete(id);
  }

  /** Drops every check of this user's sessions (user or memberships changed). */
  forgetUser(userId: string): void {
    this.generation++;
    if (!this.entries) return;
    for (const [id, session] of this.entries.entries()) {
      if (session.userId === userId) this.entries.delete(id);
    }
  }

  /** Drops every check. */
  forgetAll(): void {
    this.generation++;
    this.entries?.clear();
  }

  private onNotification = (message: Notification): void => {
    if (message.channel !== SESSION_CHECK_CHANNEL) return;
    const payload = message.payload ?? '*';
    this.echoed.set(payload, true);
    for (const waiter of this.waiters) waiter(payload);
    if (payload.startsWith('s:')) this.forgetSessions([payload.slice(2)]);
    else if (payload.startsWith('u:')) this.forgetUser(payload.slice(2));
    else this.forgetAll();
  };

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({
      connectionString: this.config.database.url!,
      connectionTimeoutMillis: this.config.database.connectTimeout * 1000,
      keepAlive: true,
      application_name: 'nest-sso session-check listener',
    });
    this.client = client;
    const lost = (why: string) => {
      if (this.client !== client) return;
      this.client = null;
      this.listening = false;
      // Notifications may have been missed meanwhile: nothing cached can be trusted.
      this.forgetAll();
      client.removeAllListeners();
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      const delay = RECONNECT_MS[Math.min(this.attempt++, RECONNECT_MS.length - 1)];
      this.logger.warn(
        `Session-check listener ${why}: reading every session check through until it is back (retry in ${delay} ms)`,
      );
      this.reconnect = setTimeout(() => void this.listen(), delay);
      this.reconnect.unref();
    };
    client.on('notification', this.onNotification);
    client.on('error', (error) => lost(`failed (${error.message})`));
    client.on('end', () => lost('disconnected'));
    try {
      await client.connect();
      await client.query(`LISTEN ${SESSION_CHECK_CHANNEL}`);
    } catch (error) {
      lost(`could not connect (${(error as Error).message})`);
      return;
    }
    if (this.client !== client || this.stopped) return;
    if (this.attempt > 0) this.logger.log('Session-check listener back: caching again');
    this.attempt = 0;
    this.forgetAll();
    this.listening = true;
  }
}
