import { readFile } from 'node:fs/promises';

/**
 * The optional mapping file of `import:drf-sso --mapping <file>` (JSON; see
 * docs/migrating-from-drf-sso.md for an example):
 * - `permissions`: Django permission (`app_label.codename`) → nest-sso permission, or `null` to
 *   drop it; unlisted ones keep the default name `app_label.codename`;
 * - `groups`: Django group name → extra nest-sso permissions for its members;
 * - `superuser`: nest-sso permissions for Django superusers (Django gives them every permission
 *   implicitly; nest-sso grants only what is listed);
 * - `accounts`: accounts to create, each with members (a Django username or integer id) and
 *   their permissions in it.
 */
export interface ImportMapping {
  permissions: Record<string, string | null>;
  groups: Record<string, string[]>;
  superuser: string[];
  accounts: { name: string; members: { user: string | number; permissions: string[] }[] }[];
}

export const EMPTY_MAPPING: ImportMapping = {
  permissions: {},
  groups: {},
  superuser: [],
  accounts: [],
};

/** Reads and checks a mapping file; the error names the first entry that is wrong. */
export async function readMapping(path: string): Promise<ImportMapping> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new MappingError(`${path}: ${(error as Error).message}`);
  }
  return parseMapping(value, path);
}

/** An invalid mapping file. */
export class MappingError extends Error {
  override name = 'MappingError';
}

export function parseMapping(value: unknown, source = 'mapping'): ImportMapping {
  const fail = (what: string): never => {
    throw new MappingError(`${source}: ${what}`);
  };
  if (!isObject(value)) return fail('must be a JSON object');
  const known = new Set(['permissions', 'groups', 'superuser', 'accounts']);
  for (const key of Object.keys(value)) if (!known.has(key)) fail(`unknown key "${key}"`);
  const permissions = value.permissions ?? {};
  if (!isObject(permissions)) return fail('"permissions" must be an object');
  for (const [from, to] of Object.entries(permissions)) {
    if (to !== null && typeof to !== 'string')
      fail(`"permissions"."${from}" must be a string or null`);
  }
  const groups = value.groups ?? {};
  if (!isObject(groups)) return fail('"groups" must be an object');
  for (const [name, list] of Object.entries(groups)) {
    if (!isStrings(list)) fail(`"groups"."${name}" must be an array of strings`);
  }
  const superuser = value.superuser ?? [];
  if (!isStrings(superuser)) return fail('"superuser" must be an array of strings');
  const accounts = value.accounts ?? [];
  if (!Array.isArray(accounts)) return fail('"accounts" must be an array');
  accounts.forEach((account: unknown, i) => {
    if (!isObject(account) || typeof account.name !== 'string' || !Array.isArray(account.members)) {
      return fail(`"accounts"[${i}] must be {"name": string, "members": [...]}`);
    }
    account.members.forEach((member: unknown, j) => {
      if (
        !isObject(member) ||
        (typeof member.user !== 'string' && typeof member.user !== 'number') ||
        !isStrings(member.permissions ?? [])
      ) {
        fail(`"accounts"[${i}].members[${j}] must be {"user": name or id, "permissions": [...]}`);
      }
    });
  });
  return {
    permissions: permissions as ImportMapping['permissions'],
    groups: groups as ImportMapping['groups'],
    superuser,
    accounts: (accounts as ImportMapping['accounts']).map((a) => ({
      name: a.name,
      members: a.members.map((m) => ({ user: m.user, permissions: m.permissions ?? [] })),
    })),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
