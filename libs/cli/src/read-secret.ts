import { CliError, EXIT } from './command';

/**
 * A secret given on the command line (`--password`) or, with `--password-stdin`, read from
 * standard input so that it never appears in the shell history or the process list. One trailing
 * newline is dropped.
 */
export async function readSecret(
  options: { password?: string; passwordStdin?: boolean },
  stdin: AsyncIterable<Buffer | string> = process.stdin,
): Promise<string> {
  if (options.password !== undefined && options.passwordStdin) {
    throw new CliError('Give either --password or --password-stdin, not both', EXIT.usage);
  }
  if (options.password !== undefined) return options.password;
  if (!options.passwordStdin)
    throw new CliError('Give --password <password> or --password-stdin', EXIT.usage);
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk));
  const secret = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  // An empty input is a missing password (a redirect from an empty file, a closed pipe), not a
  // password that is too short.
  if (secret === '')
    throw new CliError('--password-stdin read no password from standard input', EXIT.usage);
  return secret;
}

/** A comma-separated permission list: `a, b` → `['a', 'b']`. */
export function permissionList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}
