import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { FieldError } from '@nest-sso/common';
import { assertValid, UserRules } from '@nest-sso/users';
import { CLIENT_NAME_MAX_LENGTH, OidcClient, OidcClientType } from './oidc-client.entity';
import { hashClientSecret } from './oidc-provider.factory';

/** What a client is registered with; on update, absent fields stay as they are. */
export interface ClientInput {
  name?: string;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  /** `null` removes it. */
  backchannelLogoutUri?: string | null;
  type?: OidcClientType;
  firstParty?: boolean;
  permissions?: string[];
}

/** A client and, right after creation or rotation, its secret in clear (shown once). */
export interface ClientWithSecret {
  client: OidcClient;
  secret: string | null;
}

/** Longest URI accepted. */
const URI_MAX_LENGTH = 2000;
/** Most redirect URIs per client. */
const MAX_URIS = 20;

/** The registered OAuth 2.0 / OpenID Connect clients (`oidc_clients`). */
@Injectable()
export class ClientsService {
  constructor(@InjectRepository(OidcClient) private readonly clients: Repository<OidcClient>) {}

  /** Registers a client; a confidential one gets a new secret, returned once. */
  async create(input: ClientInput): Promise<ClientWithSecret> {
    const errors: FieldError[] = [];
    const checked = checkClient(input, errors);
    if (!input.name) errors.push({ field: 'name', message: 'name is required' });
    if (!input.redirectUris?.length) {
      errors.push({ field: 'redirectUris', message: 'at least one redirect URI is required' });
    }
    assertValid(errors);
    const type = checked.type ?? 'confidential';
    const secret = type === 'confidential' ? newSecret() : null;
    const client = await this.clients.save(
      this.clients.create({
        id: randomUUID(),
        name: checked.name!,
        type,
        firstParty: checked.firstParty ?? false,
        secretHash: secret === null ? null : hashClientSecret(secret),
        redirectUris: checked.redirectUris!,
        postLogoutRedirectUris: checked.postLogoutRedirectUris ?? [],
        backchannelLogoutUri: checked.backchannelLogoutUri ?? null,
        permissions: checked.permissions ?? [],
      }),
    );
    return { client, secret };
  }

  list(): Promise<OidcClient[]> {
    return this.clients.find({ order: { name: 'ASC', id: 'ASC' } });
  }

  findById(id: string): Promise<OidcClient | null> {
    return this.clients.findOneBy({ id });
  }

  /**
   * Applies `changes` to client `id` (`null` if there is none). Turning a public client
   * confidential gives it a new secret, returned once; turning it public drops its secret.
   */
  async update(id: string, changes: ClientInput): Promise<ClientWithSecret | null> {
    const errors: FieldError[] = [];
    const checked = checkClient(changes, errors);
    if (changes.redirectUris !== undefined && changes.redirectUris.length === 0) {
      errors.push({ field: 'redirectUris', message: 'at least one redirect URI is required' });
    }
    assertValid(errors);
    const client = await this.findById(id);
    if (!client) return null;
    let secret: string | null = null;
    if (checked.type !== undefined && checked.type !== client.type) {
      secret = checked.type === 'confidential' ? newSecret() : null;
      client.secretHash = secret === null ? null : hashClientSecret(secret);
    }
    Object.assign(client, checked);
    return { client: await this.clients.save(client), secret };
  }

  /** A new secret for confidential client `id`; the old one stops working at once. */
  async rotateSecret(id: string): Promise<ClientWithSecret | null> {
    const client = await this.findById(id);
    if (!client) return null;
    if (client.type !== 'confidential') {
      assertValid([{ field: 'type', message: 'a public client has no secret' }]);
    }
    const secret = newSecret();
    client.secretHash = hashClientSecret(secret);
    return { client: await this.clients.save(client), secret };
  }

  /** Deletes client `id`; returns whether it existed. */
  async delete(id: string): Promise<boolean> {
    const result = await this.clients.delete({ id });
    return (result.affected ?? 0) > 0;
  }
}

/** 256 random bits, base64url. */
function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

function checkClient(input: ClientInput, errors: FieldError[]): ClientInput {
  const out: ClientInput = {};
  if (input.name !== undefined) {
    const name = String(input.name).trim();
    if (name.length === 0 || name.length > CLIENT_NAME_MAX_LENGTH) {
      errors.push({
        field: 'name',
        message: `name must be 1 to ${CLIENT_NAME_MAX_LENGTH} characters`,
      });
    }
    out.name = name;
  }
  if (input.type !== undefined) {
    if (input.type !== 'public' && input.type !== 'confidential') {
      errors.push({ field: 'type', message: 'type must be "public" or "confidential"' });
    }
    out.type = input.type;
  }
  if (input.firstParty !== undefined) out.firstParty = input.firstParty === true;
  if (input.redirectUris !== undefined) {
    out.redirectUris = checkUris(input.redirectUris, 'redirectUris', errors);
  }
  if (input.postLogoutRedirectUris !== undefined) {
    out.postLogoutRedirectUris = checkUris(
      input.postLogoutRedirectUris,
      'postLogoutRedirectUris',
      errors,
    );
  }
  if (input.backchannelLogoutUri !== undefined) {
    out.backchannelLogoutUri =
      input.backchannelLogoutUri === null
        ? null
        : (checkUris([input.backchannelLogoutUri], 'backchannelLogoutUri', errors)[0] ?? null);
  }
  if (input.permissions !== undefined) {
    out.permissions = UserRules.permissions(input.permissions, errors, 'permissions') ?? [];
  }
  return out;
}

/**
 * Absolute http(s) URIs without fragment or user info (OAuth 2.0 section 3.1.2; RFC 9700 warns
 * against credentials in URIs). They are stored as given and compared exactly.
 */
function checkUris(uris: unknown, field: string, errors: FieldError[]): string[] {
  if (!Array.isArray(uris) || uris.length > MAX_URIS) {
    errors.push({ field, message: `${field} must be a list of at most ${MAX_URIS} URIs` });
    return [];
  }
  const out: string[] = [];
  for (const uri of uris) {
    let url: URL | null = null;
    try {
      url = typeof uri === 'string' && uri.length <= URI_MAX_LENGTH ? new URL(uri) : null;
    } catch {
      url = null;
    }
    if (
      !url ||
      (url.protocol !== 'https:' && url.protocol !== 'http:') ||
      url.hash !== '' ||
      String(uri).includes('#') ||
      url.username !== '' ||
      url.password !== ''
    ) {
      errors.push({
        field,
        message: `${field}: "${String(uri).slice(0, 100)}" must be an absolute http(s) URI without fragment or user info`,
      });
      continue;
    }
    out.push(uri as string);
  }
  return [...new Set(out)];
}
