import { ClientAdminUseCase, toAdminClient } from '@nest-sso/admin';
import { Actors } from '@nest-sso/audit';
import type { ClientInput } from '@nest-sso/oidc';
import type { CliContext } from './cli-context';
import { DefineCommand, Print, printJson } from './command';
import { permissionList } from './read-secret';
import { table } from './table';

interface ClientOptions {
  name?: string;
  redirectUri?: string[];
  postLogoutRedirectUri?: string[];
  backchannelLogoutUri?: string;
  type?: string;
  firstParty?: boolean;
  permissions?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** clients:* — the same use case as the admin API's /admin/clients routes. */
export function registerClientCommands(define: DefineCommand, context: CliContext, print: Print) {
  const withClientOptions = (command: ReturnType<DefineCommand>) =>
    command
      .option('--redirect-uri <uri>', 'a redirect URI, compared exactly (repeatable)', collect)
      .option(
        '--post-logout-redirect-uri <uri>',
        'a post-logout redirect URI (repeatable)',
        collect,
      )
      .option('--backchannel-logout-uri <uri>', 'where logout tokens are posted')
      .option('--type <type>', 'public (no secret, PKCE required) or confidential')
      .option('--first-party', 'skips the consent page')
      .option('--permissions <list>', 'permissions of client_credentials tokens, comma-separated');

  withClientOptions(
    define('clients:create', 'Register an OAuth 2.0 / OpenID Connect client').requiredOption(
      '--name <name>',
      'the name shown on the sign-in page',
    ),
  ).action(async (options: ClientOptions) => {
    const app = await context.app();
    const { client, secret } = await app
      .get(ClientAdminUseCase)
      .create(Actors.cli(), { type: 'confidential', ...input(options) });
    print(`Created client ${client.id} "${client.name}" (${client.type})`);
    if (secret) print(`Client secret (shown once): ${secret}`);
  });

  define('clients:list', 'List clients by name')
    .option('--json', 'print JSON for scripts: {"clients": [...]}, as GET /admin/clients')
    .action(async (options: { json?: boolean }) => {
      const clients = await (await context.app()).get(ClientAdminUseCase).list();
      if (options.json) return printJson(print, { clients: clients.map(toAdminClient) });
      if (clients.length === 0) return print('No clients');
      print(
        table(
          ['name', 'id', 'type', 'first-party', 'redirect URIs'],
          clients.map((c) => [
            c.name,
            c.id,
            c.type,
            c.firstParty ? 'yes' : 'no',
            c.redirectUris.join(' '),
          ]),
        ),
      );
    });

  withClientOptions(
    define('clients:update', "Change a client's registration")
      .argument('<id>', 'client id')
      .option('--name <name>', 'the name shown on the sign-in page')
      .option('--no-first-party', 'shows the consent page again'),
  ).action(async (id: string, options: ClientOptions) => {
    const app = await context.app();
    const { client, secret } = await app
      .get(ClientAdminUseCase)
      .update(Actors.cli(), id, input(options));
    print(`Updated client ${client.id} "${client.name}"`);
    if (secret) print(`Client secret (shown once): ${secret}`);
  });

  define('clients:rotate-secret', 'Give a confidential client a new secret (the old one stops)')
    .argument('<id>', 'client id')
    .action(async (id: string) => {
      const { secret } = await (
        await context.app()
      )
        .get(ClientAdminUseCase)
        .rotateSecret(Actors.cli(), id);
      print(`Client secret (shown once): ${secret}`);
    });

  define('clients:delete', 'Delete a client')
    .argument('<id>', 'client id')
    .action(async (id: string) => {
      await (await context.app()).get(ClientAdminUseCase).delete(Actors.cli(), id);
      print(`Deleted client ${id}`);
    });
}

function input(options: ClientOptions): ClientInput {
  return {
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.redirectUri ? { redirectUris: options.redirectUri } : {}),
    ...(options.postLogoutRedirectUri
      ? { postLogoutRedirectUris: options.postLogoutRedirectUri }
      : {}),
    ...(options.backchannelLogoutUri !== undefined
      ? { backchannelLogoutUri: options.backchannelLogoutUri }
      : {}),
    ...(options.type !== undefined ? { type: options.type as ClientInput['type'] } : {}),
    ...(options.firstParty !== undefined ? { firstParty: options.firstParty } : {}),
    ...(options.permissions !== undefined
      ? { permissions: permissionList(options.permissions) }
      : {}),
  };
}
