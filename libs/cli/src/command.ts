import type { Command } from 'commander';

/**
 * Exit codes of the CLI (documented in docs/cli.md), so that scripts can branch on the outcome:
 * 0 done; 1 failed (the message says why: the database unreachable, a bad key file…); 2 a usage
 * error (unknown command or flag, a missing or malformed value); 3 what the command names does
 * not exist (user, account, membership, session); 4 what it would create exists already.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, notFound: 3, conflict: 4 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What one command prints on success. */
export type CommandOutput = string;

/** An error meant for the operator: its message is printed as it is, and the CLI exits `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.failed,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Where a run of the CLI writes: standard output and standard error, or a test's buffers. */
export interface CliOutput {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Registers one area's commands on the program. */
export type DefineCommand = (name: string, description: string) => Command;
export type Print = (text: CommandOutput) => void;

/** Prints a value as JSON, for scripts (`--json`). */
export const printJson = (print: Print, value: unknown) => print(JSON.stringify(value, null, 2));

/** A whole-number flag value within bounds, or a usage error naming the flag. */
export function wholeNumber(flag: string, value: string, min: number, max: number): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < min || number > max) {
    throw new CliError(
      `${flag} must be a whole number from ${min} to ${max} (got "${value}")`,
      EXIT.usage,
    );
  }
  return number;
}
