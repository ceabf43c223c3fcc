import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { fromDatabaseError, SsoError } from '@nest-sso/common';
import type { CliContext } from './cli-context';
import { CliError, CliOutput, CommandOutput, EXIT, ExitCode } from './command';
import { registerAccountCommands } from './account-commands';
import { registerClientCommands } from './client-commands';
import { registerConsentCommands } from './consent-commands';
import { registerImportCommands } from './import-commands';
import { registerKeyCommands } from './key-commands';
import { registerMigrationCommands } from './migration-commands';
import { registerSessionCommands } from './session-commands';
import { registerUserCommands } from './user-commands';

/**
 * The CLI's commands, parsed by commander: per-command `--help`, "unknown command" with a
 * suggestion, and clear messages for unknown or missing flags. Each command's action resolves to
 * the text it prints; errors propagate to `runCli`.
 */
export function createProgram(context: CliContext, output: CliOutput): Command {
  const program = new Command('nest-sso')
    .description('Administer a nest-sso identity server: users, accounts, sessions, keys, database')
    .usage('<command> [options]')
    .version(packageVersion(), '-V, --version', 'print the nest-sso version')
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError()
    .configureOutput({ writeOut: output.out, writeErr: output.err })
    .exitOverride();
  const define = (name: string, description: string) =>
    program.command(name).description(description).exitOverride();
  const print = (text: CommandOutput) => output.out(`${text}\n`);
  registerUserCommands(define, context, print);
  registerAccountCommands(define, context, print);
  registerClientCommands(define, context, print);
  registerConsentCommands(define, context, print);
  registerSessionCommands(define, context, print);
  registerKeyCommands(define, context, print);
  registerMigrationCommands(define, context, print);
  registerImportCommands(define, context, print);
  return program;
}

/**
 * Runs the CLI on `argv` (without the node and script names) and returns its exit code (`EXIT`):
 * 0 on success, 2 for a usage error, otherwise the failure's code, its message printed.
 */
export async function runCli(
  argv: string[],
  context: CliContext,
  output: CliOutput,
): Promise<number> {
  const program = createProgram(context, output);
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.usage;
    }
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successful exits; commander already printed its message otherwise.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    output.err(`Error: ${messageOf(error)}\n`);
    return exitCodeOf(error);
  } finally {
    await context.close();
  }
}

/** The exit code of a failed command: the use cases' error codes that scripts branch on. */
function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode;
  const known = error instanceof SsoError ? error : fromDatabaseError(error);
  if (known?.code === 'not_found') return EXIT.notFound;
  if (known?.code === 'conflict') return EXIT.conflict;
  if (known?.code === 'validation_failed') return EXIT.usage;
  return EXIT.failed;
}

/**
 * What the operator reads: a refused value names the field and the rule (the same words as the
 * API's `errors`), and a refusal by the database reads as the API's answer would, not as SQL.
 */
function messageOf(error: unknown): string {
  const known = error instanceof SsoError ? error : fromDatabaseError(error);
  if (known?.fieldErrors?.length) return known.fieldErrors.map((e) => e.message).join('; ');
  if (known) return known.message;
  return error instanceof Error ? error.message : String(error);
}

/** The version in nest-sso's package.json, found upwards from this file (in src/ and in dist/). */
function packageVersion(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === 'nest-sso' && manifest.version) return manifest.version;
    } catch {
      // no package.json here: look one level up
    }
  }
  return 'unknown';
}
