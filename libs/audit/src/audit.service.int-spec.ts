import type { TestingModule } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext } from '../../../test/support/test-context';
import { Actors } from './actor';
import { AuditModule } from './audit.module';
import { AuditService } from './audit.service';

/** The audit trail against real PostgreSQL: what is stored, and what is never lost. */
describe(AuditService.name, () => {
  let context: TestingModule;
  let audit: AuditService;
  beforeAll(async () => {
    context = await createTestContext([AuditModule]);
    audit = context.get(AuditService);
  });
  afterAll(() => context.close());

  it("should cut an over-long reason, never the actor's id, door or address", async () => {
    const admin = randomUUID();
    const target = randomUUID();
    await audit.record({
      type: 'admin_action',
      actor: Actors.admin(admin, randomUUID(), '203.0.113.5'),
      userId: target,
      reason: `user_updated ${'x'.repeat(500)}`,
    });
    const [row] = await context
      .get(DataSource)
      .query<Record<string, unknown>[]>(
        `SELECT actor_id, via, ip_address, length(reason) AS reason_length FROM auth_events WHERE user_id = $1`,
        [target],
      );
    expect(row).toEqual({
      actor_id: admin,
      via: 'admin_api',
      ip_address: '203.0.113.5',
      reason_length: 100,
    });
  });
});
