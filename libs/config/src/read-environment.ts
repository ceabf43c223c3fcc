import { existsSync } from 'node:fs';

/**
 * The process environment, after loading `.env` from the working directory if there is one.
 * Variables already set in the environment win over the file. The only reader of `process.env`.
 */
export function readEnvironment(): Record<string, string | undefined> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return process.env;
}
