import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/argon2';

export interface Ceiling {
  name: string;
  perSecond: number;
}

/** Runs `task` with `concurrency` in flight for `seconds`; returns completions per second. */
async function rate(task: () => Promise<unknown>, concurrency: number, seconds: number) {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      await task();
      done++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done / ((performance.now() - start) / 1000);
}

/**
 * The machine's RS256 signing rate with node:crypto: asynchronous `crypto.sign` (the libuv
 * threadpool), enough requests in flight to keep every core busy. This is the physical limit of
 * `POST /authorize`, which signs one token per request. With `privateKey`, the server's own
 * signing key (the OpenID Connect rows); otherwise a new RSA-2048 key.
 */
export async function rs256Ceiling(seconds: number, privateKey?: KeyObject): Promise<Ceiling> {
  const key = privateKey ?? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const data = Buffer.alloc(600, 'x'); // about the size of a header.payload to sign
  const signOnce = () =>
    new Promise<Buffer>((resolve, reject) =>
      sign('sha256', data, key, (error, signature) => (error ? reject(error) : resolve(signature))),
    );
  return {
    name: `RS256 signatures/s (node:crypto, all cores${privateKey ? ", the server's key" : ''})`,
    perSecond: await rate(signOnce, availableParallelism() * 8, seconds),
  };
}

/** The argon2id verification rate with the server's parameters: the limit of `POST /session`. */
export async function argon2Ceiling(
  params: { memoryCost: number; timeCost: number; parallelism: number },
  seconds: number,
): Promise<Ceiling> {
  const stored = await hash('the right password', params);
  return {
    name: `argon2id verifications/s (m=${params.memoryCost}, t=${params.timeCost}, p=${params.parallelism}, all cores)`,
    perSecond: await rate(
      () => verify(stored, 'the right password'),
      availableParallelism() * 2,
      seconds,
    ),
  };
}

/**
 * The machine's RSA-2048 signing rate by OpenSSL itself on every core
 * (`openssl speed -seconds <s> -multi <cores> rsa2048`): the ceiling the ratios use.
 */
export function opensslRsaCeiling(seconds: number): Ceiling {
  const cores = availableParallelism();
  const result = spawnSync(
    'openssl',
    ['speed', '-seconds', String(seconds), '-multi', String(cores), 'rsa2048'],
    { encoding: 'utf8' },
  );
  const match = /^rsa\s+2048 bits\s+\S+\s+\S+\s+([\d.]+)/m.exec(result.stdout ?? '');
  if (!match) throw new Error(`openssl speed gave no rsa2048 figure: ${result.stderr}`);
  return {
    name: `RSA-2048 signatures/s (openssl speed -multi ${cores})`,
    perSecond: Number(match[1]),
  };
}
