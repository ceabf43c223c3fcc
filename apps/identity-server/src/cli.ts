import 'reflect-metadata';
import { readEnvironment } from '@nest-sso/config';
import { createCliContext, EXIT, runCli } from '@nest-sso/cli';

/** The nest-sso command line (the commands live in libs/cli): `nest-sso <command> [options]`, `nest-sso <command> --help`. */
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
