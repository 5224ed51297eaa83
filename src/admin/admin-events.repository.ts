import type { Db } from '../db/database.ts'
import type { AdminEventsTable } from '../db/schema.ts'

/** What an administrator can change; each is audited under its own key. */
export type AdminEntity = AdminEventsTable['entity']
export type AdminAction = AdminEventsTable['action']

export interface AdminEvent {
  id: string
  actorAgentId: number
  entity: AdminEntity
  entityKey: string
  action: AdminAction
  before: Record<string, unknown> | null
  after: Record<string, unknown> | null
  occurredAt: Date
}

/**
 * One change to a setting, written in the same transaction as the change. The table refuses
 * UPDATE, DELETE and TRUNCATE, so a setting's history cannot be rewritten.
 */
export async function appendAdminEvent(
  db: Db,
  e: Omit<AdminEvent, 'id' | 'occurredAt'> & { at: Date },
): Promise<void> {
  await db
    .insertInto('admin_events')
    .values({
      actor_agent_id: e.actorAgentId,
      entity: e.entity,
      entity_key: e.entityKey,
      action: e.action,
      before: e.before && JSON.stringify(e.before),
      after: e.after && JSON.stringify(e.after),
      occurred_at: e.at,
    })
    .execute()
}

export async function listAdminEvents(
  db: Db,
  o: { entity?: AdminEntity; limit?: number } = {},
): Promise<AdminEvent[]> {
  let q = db.selectFrom('admin_events').selectAll()
  if (o.entity) q = q.where('entity', '=', o.entity)
  const rows = await q
    .orderBy('id', 'desc')
    .limit(o.limit ?? 100)
    .execute()
  return rows.map((r) => ({
    id: r.id,
    actorAgentId: r.actor_agent_id,
    entity: r.entity,
    entityKey: r.entity_key,
    action: r.action,
    before: r.before,
    after: r.after,
    occurredAt: r.occurred_at,
  }))
}
