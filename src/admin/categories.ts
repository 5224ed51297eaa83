import { sql } from 'kysely'

import type { Agent } from '../agents/agents.repository.ts'
import type { Clock } from '../calls/deps.ts'
import type { Category } from '../calls/directory.repository.ts'
import { findCategoryByCode } from '../calls/directory.repository.ts'
import type { DirectoryCache } from '../calls/directory-cache.ts'
import type { Db } from '../db/database.ts'
import { AppError } from '../errors.ts'
import { appendAdminEvent } from './admin-events.repository.ts'

export type CategoryFields = Omit<Category, 'id' | 'code'>
export type CategoryView = Omit<Category, 'id'>

const view = ({ id: _id, ...c }: Category): CategoryView => c

export async function listCategories(db: Db): Promise<CategoryView[]> {
  const rows = await db.selectFrom('categories').selectAll().orderBy('code').execute()
  return rows.map((r) => ({
    code: r.code,
    nameZh: r.name_zh,
    nameEn: r.name_en,
    ivrKey: r.ivr_key,
    isEmergency: r.is_emergency,
  }))
}

export async function getCategory(db: Db, code: string): Promise<CategoryView | undefined> {
  const c = await findCategoryByCode(db, code)
  return c && view(c)
}

/**
 * Creates or replaces a category (the IVR menu reads them: key 1-8, or none). A menu key names
 * one category; the last emergency category stays one, or the emergency line would lead nowhere.
 * The IVR cache is dropped after the commit.
 */
export async function putCategory(
  deps: { db: Db; clock: Clock; directory: DirectoryCache },
  admin: Agent,
  code: string,
  f: CategoryFields,
): Promise<{ category: CategoryView; result: 'created' | 'updated' | 'unchanged' }> {
  const at = deps.clock.now()
  const after = { code, ...f }
  const result = await deps.db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended('shouwen.categories', 0))`.execute(trx)
    const found = await findCategoryByCode(trx, code)
    const before = found && view(found)
    const same =
      before && (Object.keys(after) as (keyof CategoryView)[]).every((k) => before[k] === after[k])
    if (same) return 'unchanged' as const
    await refuseClash(trx, code, f, before)
    const row = {
      name_zh: f.nameZh,
      name_en: f.nameEn,
      ivr_key: f.ivrKey,
      is_emergency: f.isEmergency,
    }
    if (before) await trx.updateTable('categories').set(row).where('code', '=', code).execute()
    else
      await trx
        .insertInto('categories')
        .values({ code, ...row, created_at: at })
        .execute()
    const action = before ? ('updated' as const) : ('created' as const)
    await appendAdminEvent(trx, {
      actorAgentId: admin.id,
      entity: 'category',
      entityKey: code,
      action,
      before: before ?? null,
      after,
      at,
    })
    return action
  })
  if (result !== 'unchanged') deps.directory.invalidate()
  return { category: after, result }
}

async function refuseClash(
  db: Db,
  code: string,
  f: CategoryFields,
  before: CategoryView | undefined,
): Promise<void> {
  if (f.ivrKey !== null) {
    const holder = await db
      .selectFrom('categories')
      .select('code')
      .where('ivr_key', '=', f.ivrKey)
      .where('code', '!=', code)
      .executeTakeFirst()
    if (holder) {
      throw new AppError(
        'conflict',
        `ivrKey ${f.ivrKey} is the key of category ${holder.code}; free it there first`,
      )
    }
  }
  if (before?.isEmergency && !f.isEmergency) {
    const others = await db
      .selectFrom('categories')
      .select('code')
      .where('is_emergency', '=', true)
      .where('code', '!=', code)
      .executeTakeFirst()
    if (!others) {
      throw new AppError(
        'invalid_state',
        `${code} is the only emergency category; mark another one as emergency first`,
      )
    }
  }
}
