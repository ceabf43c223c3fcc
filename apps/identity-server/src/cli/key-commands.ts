import {
  algorithmChangeWarning,
  KeyKind,
  generateKeyFile,
  loadKeySet,
  retireKeyFile,
} from '@nest-sso/keys';
import type { Command } from './commands';
import { table } from './table';

const KINDS: KeyKind[] = ['RS256', 'ES256', 'EdDSA'];
const BITS = [2048, 3072, 4096] as const;

/** When a new key activates: `now`, an ISO 8601 time, or by default after the publish-ahead delay. */
function activationTime(value: string | undefined, publishAhead: number): Date | null {
  if (value === 'now') return null;
  if (value === undefined) return new Date(Date.now() + publishAhead * 1000);
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new Error(`--activate-at must be "now" or an ISO 8601 time (got "${value}")`);
  return date;
}

/** Key store commands. They read and write files only, so they run beside a server on any database. */
export const KEY_COMMANDS: Record<string, Command> = {
  'keys:generate': {
    summary:
      'Write a new key to the key store: published at once, signing from its activation time',
    usage:
      '[--issuer <issuer>] [--alg RS256|ES256|EdDSA] [--bits 2048|3072|4096] [--activate-at now|<ISO time>]',
    required: [],
    async run({ config }, flags) {
      const kind = (flags.alg ?? 'RS256') as KeyKind;
      if (!KINDS.includes(kind))
        throw new Error(`--alg must be one of ${KINDS.join(', ')} (got "${flags.alg}")`);
      const bits = Number(flags.bits ?? 2048) as (typeof BITS)[number];
      if (!BITS.includes(bits))
        throw new Error(`--bits must be one of ${BITS.join(', ')} (got "${flags.bits}")`);
      const activateAt = activationTime(flags['activate-at'], config.keyPublishAhead);
      const issuer = flags.issuer ?? config.identity;
      const before = await loadKeySet(config, { generate: false }).catch(() => null);
      const key = await generateKeyFile(config, { issuer, kind, bits, activateAt });
      const algorithm = kind === 'RS256' ? config.encodeAlgorithm : kind;
      const warning = before && algorithmChangeWarning(before.keySet, issuer, algorithm);
      if (warning) console.error(`Warning: ${warning}`);
      const when = activateAt ? `activates at ${activateAt.toISOString()}` : 'active at once';
      const listing = key.listed
        ? 'listed first in keys.json'
        : config.privateKeys !== null
          ? `add "${key.kid}.pem" at the head of SSO_PRIVATE_KEYS["${issuer}"] and restart`
          : 'picked up from the key store';
      return `Wrote ${key.path} (kid ${key.kid}, ${kind}), ${when}; ${listing}`;
    },
  },
  'keys:list': {
    summary: 'List the keys of the key store with their state',
    usage: '',
    required: [],
    async run({ config }) {
      const { keySet } = await loadKeySet(config, { generate: false });
      const now = Date.now();
      const rows = keySet
        .all()
        .map((key) => [
          key.kid,
          key.issuer,
          key.algorithm,
          keySet.stateOf(key, now),
          key.activateAt?.toISOString() ?? '-',
          key.fingerprint,
        ]);
      return table(['KID', 'ISSUER', 'ALG', 'STATE', 'ACTIVATES', 'SHA-256 FINGERPRINT'], rows);
    },
  },
  'keys:retire': {
    summary:
      'Retire a key: its file keeps only the public key, so it verifies but never signs again',
    usage: '--kid <kid> [--issuer <issuer>]',
    required: ['kid'],
    async run({ config }, flags) {
      return retireKeyFile(config, flags.issuer ?? config.identity, flags.kid!);
    },
  },
};
