import { sql } from 'kysely'

import type { Agent } from '../agents/agents.repository.ts'
import type { Clock } from '../calls/deps.ts'
import type { Db } from '../db/database.ts'
import { AppError, NotFoundError } from '../errors.ts'
import { appendAdminEvent } from './admin-events.repository.ts'

/** A severity or kind within a category ('simple' repair, 'serious' complaint, …). */
// A type, not an interface: it goes into the audit trail as a plain record.
export type VariantView = {
  code: string
  nameZh: string
  nameEn: string
  /** What a case of the category gets until the agent picks another. */
  isDefault: boolean
}

export type VariantFields = Omit<VariantView, 'code'>

const toView = (r: {
  code: string
  name_zh: string
  name_en: string
  is_default: boolean
}): VariantView => ({
  code: r.code,
  nameZh: r.name_zh,
  nameEn: r.name_en,
  isDefault: r.is_default,
})

const COLUMNS = ['category', 'code', 'name_zh', 'name_en', 'is_default'] as const

/** Every category's variants, by category code; the default first, then by code. */
export async function listAllVariants(db: Db): Promise<Map<string, VariantView[]>> {
  const rows = await db
    .selectFrom('category_variants')
    .select(COLUMNS)
    .orderBy('category')
    .orderBy('is_default', 'desc')
    .orderBy('code')
    .execute()
  const out = new Map<string, VariantView[]>()
  for (const r of rows) out.set(r.category, [...(out.get(r.category) ?? []), toView(r)])
  return out
}

export async function listVariants(db: Db, category: string): Promise<VariantView[]> {
  return (await listAllVariants(db)).get(category) ?? []
}

export async function findVariant(
  db: Db,
  category: string,
  code: string,
): Promise<VariantView | undefined> {
  const r = await db
    .selectFrom('category_variants')
    .select(COLUMNS)
    .where('category', '=', category)
    .where('code', '=', code)
    .executeTakeFirst()
  return r && toView(r)
}

export async function defaultVariant(db: Db, category: string): Promise<VariantView | undefined> {
  const r = await db
    .selectFrom('category_variants')
    .select(COLUMNS)
    .where('category', '=', category)
    .where('is_default', '=', true)
    .executeTakeFirst()
  return r && toView(r)
}

const lock = (trx: Db) =>
  sql`select pg_advisory_xact_lock(hashtextextended('shouwen.category_variants', 0))`.execute(trx)

async function requireCategory(db: Db, category: string): Promise<void> {
  const found = await db
    .selectFrom('categories')
    .select('id')
    .where('code', '=', category)
    .executeTakeFirst()
  if (!found) throw new NotFoundError('category', category)
}

/**
 * Creates or replaces a variant. Making it the default takes the mark off the category's
 * previous default in the same transaction (one default per category); each change is audited.
 */
export async function putVariant(
  deps: { db: Db; clock: Clock },
  admin: Agent,
  category: string,
  code: string,
  f: VariantFields,
): Promise<{ variant: VariantView; result: 'created' | 'updated' | 'unchanged' }> {
  const at = deps.clock.now()
  const after: VariantView = { code, ...f }
  const result = await deps.db.transaction().execute(async (trx) => {
    await lock(trx)
    await requireCategory(trx, category)
    const before = await findVariant(trx, category, code)
    if (
      before &&
      (Object.keys(after) as (keyof VariantView)[]).every((k) => before[k] === after[k])
    )
      return 'unchanged' as const
    if (f.isDefault && !before?.isDefault) {
      const old = await defaultVariant(trx, category)
      if (old) {
        await trx
          .updateTable('category_variants')
          .set({ is_default: false, updated_by: admin.id, updated_at: at })
          .where('category', '=', category)
          .where('code', '=', old.code)
          .execute()
        await audit(
          trx,
          admin,
          `${category}:${old.code}`,
          'updated',
          old,
          {
            ...old,
            isDefault: false,
          },
          at,
        )
      }
    }
    const row = {
      name_zh: f.nameZh,
      name_en: f.nameEn,
      is_default: f.isDefault,
      updated_by: admin.id,
      updated_at: at,
    }
    if (before)
      await trx
        .updateTable('category_variants')
        .set(row)
        .where('category', '=', category)
        .where('code', '=', code)
        .execute()
    else
      await trx
        .insertInto('category_variants')
        .values({ category, code, ...row })
        .execute()
    const action = before ? ('updated' as const) : ('created' as const)
    await audit(trx, admin, `${category}:${code}`, action, before ?? null, after, at)
    return action
  })
  return { variant: after, result }
}

/**
 * Removes a variant no open case uses (such a case would lose its limit's meaning: the agent
 * moves it to another variant first). The policies that name it stay, for an administrator to
 * remove or keep for the day it comes back.
 */
export async function deleteVariant(
  deps: { db: Db; clock: Clock },
  admin: Agent,
  category: string,
  code: string,
): Promise<void> {
  const at = deps.clock.now()
  await deps.db.transaction().execute(async (trx) => {
    await lock(trx)
    const before = await findVariant(trx, category, code)
    if (!before) throw new NotFoundError('variant', `${category}:${code}`)
    const inUse = await trx
      .selectFrom('cases')
      .innerJoin('categories', 'categories.id', 'cases.category_id')
      .select('cases.reference')
      .where('categories.code', '=', category)
      .where('cases.variant', '=', code)
      .where('cases.status', 'not in', ['closed', 'referred_external', 'declined'])
      .executeTakeFirst()
    if (inUse) {
      throw new AppError(
        'conflict',
        `open case ${inUse.reference} is a ${category}/${code}; give it another variant first`,
      )
    }
    await trx
      .deleteFrom('category_variants')
      .where('category', '=', category)
      .where('code', '=', code)
      .execute()
    await audit(trx, admin, `${category}:${code}`, 'deleted', before, null, at)
  })
}

function audit(
  trx: Db,
  admin: Agent,
  key: string,
  action: 'created' | 'updated' | 'deleted',
  before: VariantView | null,
  after: VariantView | null,
  at: Date,
): Promise<void> {
  return appendAdminEvent(trx, {
    actorAgentId: admin.id,
    entity: 'category_variant',
    entityKey: key,
    action,
    before,
    after,
    at,
  })
}
