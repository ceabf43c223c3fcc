import { describe, expect, it } from 'vitest';
import { CliError, EXIT } from './command';
import { readSecret } from './read-secret';

/** Standard input as the CLI sees it: an async iterable of chunks. */
function input(...chunks: string[]): AsyncIterable<string> {
  return (async function* () {
    for (const chunk of chunks) yield await Promise.resolve(chunk);
  })();
}

describe(readSecret.name, () => {
  it('should read the password from standard input, one trailing newline dropped', async () => {
    await expect(
      readSecret({ passwordStdin: true }, input('correct horse', ' battery\n')),
    ).resolves.toBe('correct horse battery');
    await expect(
      readSecret({ passwordStdin: true }, input('ends with a space \r\n')),
    ).resolves.toBe('ends with a space ');
  });

  it('should refuse an empty standard input as a missing password (usage, exit 2)', async () => {
    for (const chunks of [[], ['\n'], ['']]) {
      const error = await readSecret({ passwordStdin: true }, input(...chunks)).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CliError);
      expect(error).toMatchObject({
        message: '--password-stdin read no password from standard input',
        exitCode: EXIT.usage,
      });
    }
  });

  it('should refuse both ways at once, and neither', async () => {
    await expect(
      readSecret({ password: 'x', passwordStdin: true }, input('y')),
    ).rejects.toMatchObject({
      exitCode: EXIT.usage,
    });
    await expect(readSecret({}, input('y'))).rejects.toMatchObject({ exitCode: EXIT.usage });
  });
});
