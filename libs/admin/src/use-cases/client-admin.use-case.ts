import { Injectable } from '@nestjs/common';
import { Actor, AuditService } from '@nest-sso/audit';
import { SsoError } from '@nest-sso/common';
import { ClientInput, ClientsService, ClientWithSecret, OidcClient } from '@nest-sso/oidc';

/**
 * What operators do to OAuth 2.0 / OpenID Connect clients, whichever door they use (admin API or
 * CLI): the same checks, and an `admin_action` audit event naming the client for every change.
 */
@Injectable()
export class ClientAdminUseCase {
  constructor(
    private readonly clients: ClientsService,
    private readonly audit: AuditService,
  ) {}

  async create(actor: Actor, input: ClientInput): Promise<ClientWithSecret> {
    const created = await this.clients.create(input);
    await this.record(actor, 'client_created', created.client.id);
    return created;
  }

  list(): Promise<OidcClient[]> {
    return this.clients.list();
  }

  /** The client with this id; `not_found` otherwise. */
  async get(id: string): Promise<OidcClient> {
    const client = await this.clients.findById(id);
    if (!client) throw notFound();
    return client;
  }

  async update(actor: Actor, id: string, changes: ClientInput): Promise<ClientWithSecret> {
    const updated = await this.clients.update(id, changes);
    if (!updated) throw notFound();
    await this.record(actor, 'client_updated', id);
    return updated;
  }

  async rotateSecret(actor: Actor, id: string): Promise<ClientWithSecret> {
    const rotated = await this.clients.rotateSecret(id);
    if (!rotated) throw notFound();
    await this.record(actor, 'client_secret_rotated', id);
    return rotated;
  }

  async delete(actor: Actor, id: string): Promise<void> {
    if (!(await this.clients.delete(id))) throw notFound();
    await this.record(actor, 'client_deleted', id);
  }

  /** `admin_action` event: `<action>:<client id>`. */
  private record(actor: Actor, action: string, clientId: string): Promise<void> {
    return this.audit.record({
      type: 'admin_action',
      actor,
      userId: null,
      reason: `${action}:${clientId}`,
    });
  }
}

function notFound(): SsoError {
  return new SsoError('not_found', 'No such client');
}
