import { readFileSync } from 'node:fs';
import { ConfigError } from './config.errors';

/** Suffix of the variable that names a file holding a secret setting's value. */
export const FILE_SUFFIX = '_FILE';

/**
 * A secret setting read from the file that `<NAME>_FILE` names (the way Docker and Kubernetes
 * hand out secrets: `DATABASE_URL_FILE=/run/secrets/database-url`), one trailing newline dropped.
 * Throws a `ConfigError` naming the variable, and the path, never the content, when the file
 * cannot be read or is empty.
 */
export function readSecretFile(variable: string, path: string): string {
  let value: string;
  try {
    value = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(variable, `names a file that cannot be read (${reason}: ${path})`);
  }
  value = value.replace(/\r?\n$/, '');
  if (value.trim() === '') throw new ConfigError(variable, `names an empty file (${path})`);
  return value;
}
