import type { Db } from '../db/database.ts'
import type { DirectoryEventsTable } from '../db/schema.ts'

export type DirectoryEntity = DirectoryEventsTable['entity']

/** One change to the directory, in the same transaction as the change itself. */
export async function recordDirectoryEvent(
  db: Db,
  e: {
    entity: DirectoryEntity
    entityId: string | number
    action: string
    actorAgentId: number
    at: Date
    data: Record<string, unknown>
  },
): Promise<void> {
  await db
    .insertInto('directory_events')
    .values({
      entity: e.entity,
      entity_id: String(e.entityId),
      action: e.action,
      actor_agent_id: e.actorAgentId,
      data: JSON.stringify(e.data),
      occurred_at: e.at,
    })
    .execute()
}

export interface DirectoryEvent {
  id: string
  entity: DirectoryEntity
  entityId: string
  action: string
  actorAgentId: number | null
  data: Record<string, unknown>
  occurredAt: Date
}

export async function listDirectoryEvents(db: Db, limit: number): Promise<DirectoryEvent[]> {
  const rows = await db
    .selectFrom('directory_events')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
  return rows.map((r) => ({
    id: r.id,
    entity: r.entity,
    entityId: r.entity_id,
    action: r.action,
    actorAgentId: r.actor_agent_id,
    data: r.data,
    occurredAt: r.occurred_at,
  }))
}
