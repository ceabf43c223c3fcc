import 'reflect-metadata';
import { readEnvironment } from '@nest-sso/config';
import { createCliContext } from './cli/cli-context';
import { EXIT } from './cli/command';
import { runCli } from './cli/program';

/** The nest-sso command line: `nest-sso <command> [options]`, `nest-sso <command> --help`. */
async function main(): Promise<number> {
  let context;
  try {
    context = createCliContext(readEnvironment());
  } catch (error) {
    // A bad setting: the message names the variable.
    console.error(`Error: ${(error as Error).message}`);
    return EXIT.failed;
  }
  return runCli(process.argv.slice(2), context, {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  });
}

void main().then((code) => process.exit(code));
