import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import type { INestApplicationContext } from '@nestjs/common';
import { parseConfig, readEnvironment } from '@nest-sso/config';
import { CliModule } from './cli/cli.module';
import { CliContext, COMMANDS, Flags } from './cli/commands';

const FLAG_NAMES = [
  'email',
  'password',
  'username',
  'permissions',
  'name',
  'account',
  'issuer',
  'alg',
  'bits',
  'activate-at',
  'kid',
  'id',
  'limit',
] as const;

function usage(): string {
  const lines = Object.entries(COMMANDS).map(
    ([name, c]) => `  ${name.padEnd(20)} ${c.summary}\n  ${''.padEnd(20)} ${c.usage}`,
  );
  return `Usage: npm run cli -- <command> [flags]\n\nCommands:\n${lines.join('\n')}`;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...Object.fromEntries(FLAG_NAMES.map((name) => [name, { type: 'string' as const }])),
      'password-stdin': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = COMMANDS[positionals[0] ?? ''];
  if (values.help || !command) {
    console.log(usage());
    return values.help ? 0 : 2;
  }
  const flags: Flags = Object.fromEntries(
    FLAG_NAMES.map((name) => [
      name,
      (values as Record<string, unknown>)[name] as string | undefined,
    ]),
  );
  if (values['password-stdin']) flags.password = await readStdin();
  const missing = command.required.filter((name) => !flags[name]);
  if (missing.length > 0) {
    console.error(
      `${positionals[0]}: missing ${missing.map((m) => `--${m}`).join(', ')}\n  usage: ${command.usage}`,
    );
    return 2;
  }

  const env = { ...readEnvironment() };
  if (command.migrates) env.SSO_MIGRATE_ON_START = 'false';
  let app: Promise<INestApplicationContext> | undefined;
  const context: CliContext = {
    config: parseConfig(env),
    app: () =>
      (app ??= NestFactory.createApplicationContext(CliModule.forRoot({ env }), {
        // Errors are printed once, below, as a message for the operator rather than a stack trace.
        logger: false,
        abortOnError: false,
      })),
  };
  try {
    console.log(await command.run(context, flags));
    return 0;
  } finally {
    if (app) await (await app).close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`Error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
