import { FSWatcher, watch } from 'node:fs';
import { resolve } from 'node:path';
import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { SsoConfig } from '@nest-sso/config';
import { KeySet, KeyState } from './key-set';
import { loadKeySet } from './load-key-set';

/** How the key store is doing, for readiness checks and operators. */
export interface KeyStoreStatus {
  /** When the current set was loaded. */
  loadedAt: Date;
  /** The last reload attempt, successful or not. */
  lastReloadAt: Date | null;
  /** Why the last reload failed; `null` when it succeeded. The server keeps the last good set. */
  lastError: string | null;
  reloads: number;
  failures: number;
}

/** Events on the key store folder are gathered for this long before one reload. */
const DEBOUNCE_MS = 100;
/** A failed reload is tried again after this long. */
const RETRY_MS = 1000;
/** Longest wait for an activation; setTimeout fires at once beyond ~24.8 days, so look again daily. */
const MAX_ACTIVATION_WAIT_MS = 24 * 3600 * 1000;

/** What each key (`issuer/kid`) is at one moment, to log what a reload or an activation changed. */
export type KeySetSnapshot = ReadonlyMap<string, { state: KeyState; hasPrivateKey: boolean }>;

/**
 * Holds the current `KeySet` and replaces it, whole, when the key store changes: on a change in
 * the folder, every `SSO_KEY_RESCAN_INTERVAL` seconds, and on SIGHUP. Readers take `current` once
 * per use, so a swap is atomic for them. A reload that fails keeps the last good set and records
 * why; every replica that reads the same store converges on the same set. Every change is logged:
 * keys added, removed or retired by a reload, and a pending key starting to sign at its activation
 * time (which needs no reload, so a timer watches for it).
 */
export class KeyStore implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('KeyStore');
  private keySet: KeySet;
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private activation: NodeJS.Timeout | null = null;
  private bootstrapped = false;
  /** The key states last logged (or loaded at start-up, where the module logs them). */
  private logged: KeySetSnapshot;
  private running: Promise<boolean> | null = null;
  private again = false;
  private readonly onSighup = () => void this.reload('SIGHUP');
  readonly status: KeyStoreStatus;

  constructor(
    private readonly config: SsoConfig,
    initial: KeySet,
  ) {
    this.keySet = initial;
    this.logged = snapshot(initial);
    this.status = {
      loadedAt: new Date(),
      lastReloadAt: null,
      lastError: null,
      reloads: 0,
      failures: 0,
    };
  }

  get current(): KeySet {
    return this.keySet;
  }

  /**
   * Reads the store again and swaps the set if it loads. Concurrent calls share one reload, and a
   * change that arrives during a reload triggers one more. Never throws.
   */
  reload(reason: string): Promise<boolean> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.reloadOnce(reason).finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        void this.reload(reason);
      }
    });
    return this.running;
  }

  onApplicationBootstrap(): void {
    const root = resolve(this.config.keyStoreRoot);
    try {
      this.watcher = watch(root, { persistent: false }, () => this.scheduleReload());
      this.watcher.on('error', (error) =>
        this.logger.warn(`Watching ${root} failed: ${error.message}`),
      );
    } catch (error) {
      this.logger.warn(
        `Cannot watch ${root} (${(error as Error).message}); relying on the periodic re-scan`,
      );
    }
    if (this.config.keyRescanInterval > 0) {
      this.timer = setInterval(
        () => void this.reload('re-scan'),
        this.config.keyRescanInterval * 1000,
      );
      this.timer.unref();
    }
    process.on('SIGHUP', this.onSighup);
    this.bootstrapped = true;
    this.scheduleActivation();
  }

  onApplicationShutdown(): void {
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    if (this.activation) clearTimeout(this.activation);
    this.bootstrapped = false;
    process.off('SIGHUP', this.onSighup);
  }

  private scheduleReload(delay = DEBOUNCE_MS): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.reload('key store changed'), delay);
    this.debounce.unref();
  }

  /** Wakes up at the next activation time of a pending key, to log that it signs from now on. */
  private scheduleActivation(): void {
    if (this.activation) clearTimeout(this.activation);
    this.activation = null;
    if (!this.bootstrapped) return;
    const now = Date.now();
    const next = Math.min(
      ...this.keySet
        .all()
        .map((key) => key.activateAt?.getTime() ?? 0)
        .filter((time) => time > now),
    );
    if (next === Infinity) return;
    this.activation = setTimeout(
      () => {
        this.logChanges('Key activation');
        this.scheduleActivation();
      },
      Math.min(next - now, MAX_ACTIVATION_WAIT_MS),
    );
    this.activation.unref();
  }

  /** Logs how the current set differs from what was last logged, if it does. */
  private logChanges(what: string): void {
    const now = Date.now();
    const current = snapshot(this.keySet, now);
    const changed = changes(this.logged, current);
    this.logged = current;
    if (changed.length > 0) {
      this.logger.log(`${what}: ${changed.join('; ')}. Now: ${describe(this.keySet, now)}`);
    }
  }

  private async reloadOnce(reason: string): Promise<boolean> {
    this.status.lastReloadAt = new Date();
    this.status.reloads++;
    try {
      const { keySet } = await loadKeySet(this.config, { generate: false });
      this.keySet = keySet;
      this.status.loadedAt = new Date();
      if (this.status.lastError !== null) this.logger.log('Key store reloads again');
      this.status.lastError = null;
      this.logChanges(`Key set reloaded (${reason})`);
      this.scheduleActivation();
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== this.status.lastError) {
        this.logger.error(
          `Key reload failed (${reason}), keeping the last good key set: ${message}`,
        );
      }
      this.status.lastError = message;
      this.status.failures++;
      // A file caught half-written settles quickly: look again soon rather than at the next re-scan.
      this.scheduleReload(RETRY_MS);
      return false;
    }
  }
}

/** One line naming each key and its state, for logs (never key material). */
export function describe(keySet: KeySet, now = Date.now()): string {
  return keySet
    .all()
    .map((key) => `${key.issuer}/${key.kid}=${keySet.stateOf(key, now)}`)
    .join(', ');
}

/** Each key's state and whether it holds a private key, at `now`. */
export function snapshot(keySet: KeySet, now = Date.now()): KeySetSnapshot {
  return new Map(
    keySet
      .all()
      .map((key) => [
        `${key.issuer}/${key.kid}`,
        { state: keySet.stateOf(key, now), hasPrivateKey: key.privateKey !== null },
      ]),
  );
}

/** What changed between two snapshots, one phrase per change, for logs. */
export function changes(before: KeySetSnapshot, after: KeySetSnapshot): string[] {
  const phrases: string[] = [];
  for (const id of before.keys()) if (!after.has(id)) phrases.push(`${id} removed`);
  for (const [id, now] of after) {
    const then = before.get(id);
    if (!then) {
      phrases.push(`${id} added (${now.state})`);
      continue;
    }
    if (then.hasPrivateKey && !now.hasPrivateKey) {
      phrases.push(`${id} retired for good: its private key is gone, it only verifies`);
    } else if (!then.hasPrivateKey && now.hasPrivateKey) {
      phrases.push(`${id} has a private key again`);
    }
    if (then.state !== now.state) phrases.push(`${id} ${then.state} → ${now.state}`);
  }
  return phrases;
}
