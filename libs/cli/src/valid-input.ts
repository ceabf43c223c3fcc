import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CliError, EXIT } from './command';

/**
 * A command's input checked by the admin API's DTO class, so that both doors apply the same rules
 * (email format, password length, permission syntax). A violation is a usage error listing every
 * message, never the values (a password among them).
 */
export function validInput<T extends object>(type: new () => T, value: Partial<T>): T {
  const input = plainToInstance(type, value);
  const errors = validateSync(input, { forbidUnknownValues: true });
  if (errors.length > 0) {
    const messages = errors.flatMap((error) => Object.values(error.constraints ?? {}));
    throw new CliError(messages.join('; '), EXIT.usage);
  }
  return input;
}
