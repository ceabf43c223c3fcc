import {
  algorithmChangeWarning,
  generateKeyFile,
  KeyKind,
  KeyNotFoundError,
  loadKeySet,
  retireKeyFile,
} from '@nest-sso/keys';
import type { CliContext } from './cli-context';
import { CliError, DefineCommand, EXIT, Print, printJson } from './command';
import { table } from './table';

const KINDS: KeyKind[] = ['RS256', 'ES256', 'EdDSA'];
const BITS = [2048, 3072, 4096] as const;

/** When a new key activates: `now`, an ISO 8601 time, or by default after the publish-ahead delay. */
function activationTime(value: string | undefined, publishAhead: number): Date | null {
  if (value === 'now') return null;
  if (value === undefined) return new Date(Date.now() + publishAhead * 1000);
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new CliError(
      `--activate-at must be "now" or an ISO 8601 time (got "${value}")`,
      EXIT.usage,
    );
  return date;
}

/** keys:* — they read and write the key store's files only, so they run beside any server. */
export function registerKeyCommands(define: DefineCommand, { config }: CliContext, print: Print) {
  define(
    'keys:generate',
    'Write a new key to the key store: published at once, signing from its activation time',
  )
    .option('--issuer <issuer>', 'the issuer the key signs for', config.identity)
    .option('--alg <alg>', `key type: ${KINDS.join(', ')}`, 'RS256')
    .option('--bits <bits>', `RSA modulus length: ${BITS.join(', ')}`, '2048')
    .option(
      '--activate-at <time>',
      '"now", or an ISO 8601 time (default: after SSO_KEY_PUBLISH_AHEAD)',
    )
    .action(async (options: { issuer: string; alg: string; bits: string; activateAt?: string }) => {
      const kind = options.alg as KeyKind;
      if (!KINDS.includes(kind))
        throw new CliError(
          `--alg must be one of ${KINDS.join(', ')} (got "${options.alg}")`,
          EXIT.usage,
        );
      const bits = Number(options.bits) as (typeof BITS)[number];
      if (!BITS.includes(bits))
        throw new CliError(
          `--bits must be one of ${BITS.join(', ')} (got "${options.bits}")`,
          EXIT.usage,
        );
      const activateAt = activationTime(options.activateAt, config.keyPublishAhead);
      const before = await loadKeySet(config, { generate: false }).catch(() => null);
      const key = await generateKeyFile(config, { issuer: options.issuer, kind, bits, activateAt });
      const when = activateAt ? `activates at ${activateAt.toISOString()}` : 'active at once';
      const listing = key.listed
        ? 'listed first in keys.json'
        : config.privateKeys !== null
          ? `add "${key.kid}.pem" at the head of SSO_PRIVATE_KEYS["${options.issuer}"] and restart`
          : 'picked up from the key store';
      print(`Wrote ${key.path} (kid ${key.kid}, ${kind}), ${when}; ${listing}`);
      const algorithm = kind === 'RS256' ? config.encodeAlgorithm : kind;
      const warning = before && algorithmChangeWarning(before.keySet, options.issuer, algorithm);
      if (warning) print(`Warning: ${warning}`);
    });

  define('keys:list', 'List the keys of the key store with their state')
    .option(
      '--json',
      'print JSON for scripts: {"keys": [{kid, issuer, alg, state, activate_at, fingerprint}]}',
    )
    .action(async (options: { json?: boolean }) => {
      const { keySet } = await loadKeySet(config, { generate: false });
      const now = Date.now();
      const keys = keySet.all().map((key) => ({
        kid: key.kid,
        issuer: key.issuer,
        alg: key.algorithm,
        state: keySet.stateOf(key, now),
        activate_at: key.activateAt?.toISOString() ?? null,
        fingerprint: key.fingerprint,
      }));
      if (options.json) return printJson(print, { keys });
      const rows = keys.map((k) => [
        k.kid,
        k.issuer,
        k.alg,
        k.state,
        k.activate_at ?? '-',
        k.fingerprint,
      ]);
      print(table(['kid', 'issuer', 'alg', 'state', 'activates', 'sha-256 fingerprint'], rows));
    });

  define(
    'keys:retire',
    'Retire a key: its file keeps only the public key, so it verifies but never signs again',
  )
    .requiredOption('--kid <kid>', 'the key to retire')
    .option('--issuer <issuer>', 'the issuer of the key', config.identity)
    .action(async (options: { kid: string; issuer: string }) => {
      print(
        await retireKeyFile(config, options.issuer, options.kid).catch((error: unknown) => {
          if (error instanceof KeyNotFoundError) throw new CliError(error.message, EXIT.notFound);
          throw error;
        }),
      );
    });
}
