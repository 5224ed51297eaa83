import type { Db } from '../db/database.ts'
import type { LimitStep, TimeLimitPolicy } from '../domain/time-limits.ts'

/** Which policy: a step, for a category (null: any) and a variant (null: the category's default). */
export interface PolicyKey {
  step: LimitStep
  category: string | null
  variant: string | null
}

export interface StoredPolicy extends TimeLimitPolicy {
  /** The administrator who last set it; null for the rows the migration seeded. */
  updatedBy: number | null
  updatedAt: Date
}

const STEP_ORDER: readonly LimitStep[] = [
  'record',
  'dispatch',
  'supervisor_answer',
  'department_answer',
  'resolution',
  'confirmation_call',
]

function toPolicy(r: {
  step: LimitStep
  category: string | null
  variant: string | null
  amount: string
  unit: 'minutes' | 'days'
  basis: 'calendar' | 'working'
  source: string
  updated_by: number | null
  updated_at: Date
}): StoredPolicy {
  return {
    step: r.step,
    category: r.category,
    variant: r.variant,
    amount: Number(r.amount),
    unit: r.unit,
    basis: r.basis,
    source: r.source,
    updatedBy: r.updated_by,
    updatedAt: r.updated_at,
  }
}

const COLUMNS = [
  'step',
  'category',
  'variant',
  'amount',
  'unit',
  'basis',
  'source',
  'updated_by',
  'updated_at',
] as const

/** Every policy, by step in the order a case meets them, then category and variant. */
export async function listPolicies(db: Db): Promise<StoredPolicy[]> {
  const rows = await db.selectFrom('time_limit_policies').select(COLUMNS).execute()
  const text = (v: string | null) => v ?? ''
  return rows
    .map(toPolicy)
    .sort(
      (a, b) =>
        STEP_ORDER.indexOf(a.step) - STEP_ORDER.indexOf(b.step) ||
        text(a.category).localeCompare(text(b.category)) ||
        text(a.variant).localeCompare(text(b.variant)),
    )
}

function byKey(db: Db, key: PolicyKey) {
  return db
    .selectFrom('time_limit_policies')
    .select(COLUMNS)
    .where('step', '=', key.step)
    .where('category', 'is not distinct from', key.category)
    .where('variant', 'is not distinct from', key.variant)
}

export async function findStoredPolicy(
  db: Db,
  key: PolicyKey,
  o: { forUpdate?: boolean } = {},
): Promise<StoredPolicy | undefined> {
  const q = byKey(db, key)
  const row = await (o.forUpdate ? q.forUpdate() : q).executeTakeFirst()
  return row && toPolicy(row)
}

/** Inserts or replaces the policy with this key; the caller has locked and read it first. */
export async function writePolicy(
  db: Db,
  p: TimeLimitPolicy,
  o: { exists: boolean; by: number; at: Date },
): Promise<void> {
  const values = {
    amount: p.amount,
    unit: p.unit,
    basis: p.basis,
    source: p.source,
    updated_by: o.by,
    updated_at: o.at,
  }
  if (!o.exists) {
    await db
      .insertInto('time_limit_policies')
      .values({ step: p.step, category: p.category, variant: p.variant, ...values })
      .execute()
    return
  }
  await db
    .updateTable('time_limit_policies')
    .set(values)
    .where('step', '=', p.step)
    .where('category', 'is not distinct from', p.category)
    .where('variant', 'is not distinct from', p.variant)
    .execute()
}

export async function deletePolicy(db: Db, key: PolicyKey): Promise<boolean> {
  const r = await db
    .deleteFrom('time_limit_policies')
    .where('step', '=', key.step)
    .where('category', 'is not distinct from', key.category)
    .where('variant', 'is not distinct from', key.variant)
    .executeTakeFirst()
  return r.numDeletedRows > 0n
}

export async function categoryExists(db: Db, code: string): Promise<boolean> {
  const row = await db
    .selectFrom('categories')
    .select('id')
    .where('code', '=', code)
    .executeTakeFirst()
  return row !== undefined
}
