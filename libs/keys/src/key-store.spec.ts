import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, MockInstance, vi } from 'vitest';
import type { SsoConfig } from '@nest-sso/config';
import { generateKeyFile } from './key-files';
import { KeyStore } from './key-store';
import { loadKeySet } from './load-key-set';
import { retireKeyFile } from './retire-key-file';

const ISSUER = 'sso';

/** A key store folder with convention-named keys (`sso-<activation time>.pem`, newest first). */
async function storeWith(...activations: (Date | null)[]) {
  const config = {
    nodeEnv: 'test',
    identity: ISSUER,
    keyStoreRoot: mkdtempSync(join(tmpdir(), 'key-store-')),
    privateKeys: null,
    publicKeys: null,
    encodeAlgorithm: 'RS256',
    keyRescanInterval: 0,
  } as const;
  const kids: string[] = [];
  for (const activateAt of activations) {
    const key = await generateKeyFile(config, {
      issuer: ISSUER,
      kind: 'RS256',
      bits: 2048,
      activateAt,
    });
    kids.push(key.kid);
  }
  const { keySet } = await loadKeySet(config, { generate: false });
  return { config, kids, store: new KeyStore(config as unknown as SsoConfig, keySet) };
}

const ago = (ms: number) => new Date(Date.now() - ms);
const inMs = (ms: number) => new Date(Date.now() + ms);

describe(KeyStore.name, () => {
  let log: MockInstance<Logger['log']>;
  let stores: KeyStore[] = [];
  const messages = () => log.mock.calls.map(([message]) => String(message));

  beforeEach(() => {
    log = vi.spyOn(Logger.prototype, 'log');
  });
  afterEach(() => {
    for (const store of stores) store.onApplicationShutdown();
    stores = [];
    log.mockRestore();
  });

  it('should log a pending key starting to sign at its activation time, with no reload', async () => {
    const activation = inMs(1500);
    const { store, kids } = await storeWith(ago(60_000), activation);
    const [previous, next] = [`${ISSUER}/${kids[0]}`, `${ISSUER}/${kids[1]}`];
    stores.push(store);
    store.onApplicationBootstrap();

    await vi.waitFor(() => expect(messages().join('\n')).toContain('Key activation'), {
      timeout: 4000,
      interval: 50,
    });
    expect(Date.now()).toBeGreaterThanOrEqual(activation.getTime());
    expect(messages()).toEqual([
      `Key activation: ${next} pending → active; ${previous} active → retired. ` +
        `Now: ${next}=active, ${previous}=retired`,
    ]);
    expect(store.status.reloads).toBe(0);
    expect(store.current.signingKey(ISSUER)?.kid).toBe(kids[1]);
  });

  it('should say in the reload after keys:retire that the key lost its private key', async () => {
    const { store, kids, config } = await storeWith(ago(120_000), ago(60_000));
    const [retired, active] = [`${ISSUER}/${kids[0]}`, `${ISSUER}/${kids[1]}`];
    stores.push(store);

    await retireKeyFile(config, ISSUER, kids[0]);
    await expect(store.reload('key store changed')).resolves.toBe(true);

    expect(messages()).toEqual([
      `Key set reloaded (key store changed): ${retired} retired for good: its private key is ` +
        `gone, it only verifies. Now: ${active}=active, ${retired}=retired`,
    ]);
    expect(store.current.keysOf(ISSUER).find((k) => k.kid === kids[0])?.privateKey).toBeNull();
  });

  it('should log keys added and removed by a reload, and nothing for a reload that changes nothing', async () => {
    const { store, kids, config } = await storeWith(ago(60_000));
    stores.push(store);

    await expect(store.reload('SIGHUP')).resolves.toBe(true);
    expect(messages()).toEqual([]);

    const added = await generateKeyFile(config, {
      issuer: ISSUER,
      kind: 'RS256',
      bits: 2048,
      activateAt: inMs(3_600_000),
    });
    await store.reload('key store changed');
    expect(messages()).toEqual([
      `Key set reloaded (key store changed): ${ISSUER}/${added.kid} added (pending). ` +
        `Now: ${ISSUER}/${added.kid}=pending, ${ISSUER}/${kids[0]}=active`,
    ]);

    rmSync(added.path);
    await store.reload('key store changed');
    expect(messages()[1]).toBe(
      `Key set reloaded (key store changed): ${ISSUER}/${added.kid} removed. ` +
        `Now: ${ISSUER}/${kids[0]}=active`,
    );
  });
});
