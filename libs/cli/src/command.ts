import type { Command } from 'commander';

/** Exit codes of the CLI (documented in docs/cli.md). */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** What one command prints on success. */
export type CommandOutput = string;

/** An error meant for the operator: its message is printed as it is. */
export class CliError extends Error {
  constructor(message: string) {
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
