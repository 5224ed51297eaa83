import type { Selectable } from 'kysely'

import type { Agent } from '../agents/agents.repository.ts'
import type { Clock } from '../calls/deps.ts'
import type { Db } from '../db/database.ts'
import type { ExternalBodiesTable, ServiceItemContent, ServiceItemsTable } from '../db/schema.ts'
import type { Language } from '../domain/language.ts'
import { AppError, NotFoundError } from '../errors.ts'
import { recordDirectoryEvent } from './directory-events.ts'

/**
 * The two catalogues agents pick from on a call: service items for the one-time notice
 * (一次性告知), and bodies outside the organisation a matter is referred to.
 */

interface Deps {
  db: Db
  clock: Clock
}

export interface ExternalBody {
  id: number
  code: string
  name: string
  phone: string
  note: string | null
  active: boolean
}

export interface ServiceItem {
  id: number
  code: string
  category: string | null
  content: Partial<Record<Language, ServiceItemContent>>
  active: boolean
}

const toBody = (r: Selectable<ExternalBodiesTable>): ExternalBody => ({
  id: r.id,
  code: r.code,
  name: r.name,
  phone: r.phone,
  note: r.note,
  active: r.active,
})

export async function listExternalBodies(db: Db): Promise<ExternalBody[]> {
  return (await db.selectFrom('external_bodies').selectAll().orderBy('code').execute()).map(toBody)
}

export async function findExternalBody(db: Db, code: string): Promise<ExternalBody | undefined> {
  const r = await db
    .selectFrom('external_bodies')
    .selectAll()
    .where('code', '=', code)
    .executeTakeFirst()
  return r && toBody(r)
}

/** Creates or replaces one external body by code. */
export async function putExternalBody(
  deps: Deps,
  actor: Agent,
  code: string,
  f: { name: string; phone: string; note: string | null; active: boolean },
): Promise<ExternalBody> {
  const at = deps.clock.now()
  return deps.db.transaction().execute(async (trx) => {
    const r = await trx
      .insertInto('external_bodies')
      .values({ code, ...f, created_at: at, updated_at: at })
      .onConflict((oc) => oc.column('code').doUpdateSet({ ...f, updated_at: at }))
      .returningAll()
      .executeTakeFirstOrThrow()
    await recordDirectoryEvent(trx, {
      entity: 'external_body',
      entityId: code,
      action: 'saved',
      actorAgentId: actor.id,
      at,
      data: f,
    })
    return toBody(r)
  })
}

async function categoryCodes(db: Db): Promise<Map<number, string>> {
  const rows = await db.selectFrom('categories').select(['id', 'code']).execute()
  return new Map(rows.map((r) => [r.id, r.code]))
}

function toItem(r: Selectable<ServiceItemsTable>, cats: Map<number, string>): ServiceItem {
  return {
    id: r.id,
    code: r.code,
    category: r.category_id === null ? null : (cats.get(r.category_id) ?? null),
    content: r.content,
    active: r.active,
  }
}

export async function listServiceItems(db: Db): Promise<ServiceItem[]> {
  const [rows, cats] = await Promise.all([
    db.selectFrom('service_items').selectAll().orderBy('code').execute(),
    categoryCodes(db),
  ])
  return rows.map((r) => toItem(r, cats))
}

export async function findServiceItem(
  db: Db,
  key: { code: string } | { id: number },
): Promise<ServiceItem | undefined> {
  let q = db.selectFrom('service_items').selectAll()
  q = 'code' in key ? q.where('code', '=', key.code) : q.where('id', '=', key.id)
  const r = await q.executeTakeFirst()
  return r && toItem(r, await categoryCodes(db))
}

/** Creates or replaces one service item by code; its content needs at least one language. */
export async function putServiceItem(
  deps: Deps,
  actor: Agent,
  code: string,
  f: {
    category: string | null
    content: Partial<Record<Language, ServiceItemContent>>
    active: boolean
  },
): Promise<ServiceItem> {
  const at = deps.clock.now()
  let categoryId: number | null = null
  if (f.category) {
    const c = await deps.db
      .selectFrom('categories')
      .select('id')
      .where('code', '=', f.category)
      .executeTakeFirst()
    if (!c) throw new AppError('bad_request', `unknown category ${f.category}`)
    categoryId = c.id
  }
  const values = { category_id: categoryId, content: JSON.stringify(f.content), active: f.active }
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('service_items')
      .values({ code, ...values, created_at: at, updated_at: at })
      .onConflict((oc) => oc.column('code').doUpdateSet({ ...values, updated_at: at }))
      .execute()
    await recordDirectoryEvent(trx, {
      entity: 'service_item',
      entityId: code,
      action: 'saved',
      actorAgentId: actor.id,
      at,
      data: f,
    })
  })
  const saved = await findServiceItem(deps.db, { code })
  if (!saved) throw new NotFoundError('service item', code)
  return saved
}
