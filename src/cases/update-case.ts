import { findVariant, listVariants } from '../admin/category-variants.ts'
import type { Agent } from '../agents/agents.repository.ts'
import type { Clock } from '../calls/deps.ts'
import { findCategoryByCode } from '../calls/directory.repository.ts'
import type { Db } from '../db/database.ts'
import type { LimitDeps } from '../deadlines/case-limits.ts'
import { finishStep, replanResolution } from '../deadlines/case-limits.ts'
import type { CaseStatus, Urgency } from '../domain/case-status.ts'
import { OPEN_CASE_STATUSES } from '../domain/case-status.ts'
import { AppError, NotFoundError } from '../errors.ts'
import { appendCaseEvent } from './case-events.repository.ts'
import { assertCaseTakesWork, lockCaseForWork } from './case-work-guard.ts'
import type { CaseSummary } from './cases.repository.ts'
import { findCaseByReference, recordFirstCategory, updateCaseRecord } from './cases.repository.ts'

export interface CaseRecordInput {
  place?: string | null
  content?: string | null
  contactName?: string | null
  contactPhone?: string | null
  category?: string
  urgency?: Urgency
  /** A variant code of the case's category (or of the category given with it). */
  variant?: string
}

const SUPERVISING_ROLES = ['supervisor', 'manager', 'admin']

/**
 * The first owner, whoever holds the case now, an agent who took one of its calls, or a
 * supervisor; and, while the case is open and its first owner is away, any colleague covering
 * for them (the owner stays the owner: events name the colleague as actor, on the owner's behalf).
 */
export async function mayWorkOnCase(db: Db, agent: Agent, kase: CaseSummary): Promise<boolean> {
  if (SUPERVISING_ROLES.includes(agent.role)) return true
  if (kase.firstOwnerId === agent.id || kase.assigneeAgentId === agent.id) return true
  const took = await db
    .selectFrom('calls')
    .select('call_sid')
    .where('case_id', '=', kase.id)
    .where('answered_by_agent_id', '=', agent.id)
    .executeTakeFirst()
  if (took) return true
  if (kase.firstOwnerId === null || !isOpen(kase.status)) return false
  const owner = await db
    .selectFrom('agents')
    .select('presence')
    .where('id', '=', kase.firstOwnerId)
    .executeTakeFirst()
  return owner?.presence === 'away'
}

const isOpen = (s: CaseStatus) => (OPEN_CASE_STATUSES as readonly CaseStatus[]).includes(s)

/**
 * An event's data, with the first owner's job number as `onBehalfOf` when someone else acts
 * on the case (a colleague covering, an assignee, a supervisor): the trail shows both.
 */
export function onBehalfData(
  agent: Agent,
  kase: CaseSummary,
  data: Record<string, unknown>,
): Record<string, unknown> {
  if (kase.firstOwnerId === null || kase.firstOwnerId === agent.id) return data
  return { ...data, onBehalfOf: kase.firstOwnerJobNumber }
}

/** The case by reference, if this agent may work on it; a clear error otherwise. */
export async function caseToWorkOn(db: Db, agent: Agent, reference: string): Promise<CaseSummary> {
  const kase = await findCaseByReference(db, reference)
  if (!kase) throw new NotFoundError('case', reference)
  if (!(await mayWorkOnCase(db, agent, kase))) {
    throw new AppError(
      'forbidden',
      `agent ${agent.jobNumber} neither owns nor handles case ${reference}`,
    )
  }
  return kase
}

/**
 * Agents fill in what the caller said. Every change is one event listing each field's from/to.
 * A new category or variant re-plans the open resolution clock, as its own event.
 */
export async function updateCaseFields(
  deps: { db: Db; clock: Clock } & LimitDeps,
  agent: Agent,
  reference: string,
  input: CaseRecordInput,
): Promise<CaseSummary> {
  const kase = await caseToWorkOn(deps.db, agent, reference)
  assertCaseTakesWork(kase, 'a change to its record')
  const category =
    input.category === undefined ? undefined : await findCategoryByCode(deps.db, input.category)
  if (input.category !== undefined && !category) {
    throw new AppError('bad_request', `unknown category "${input.category}"`)
  }
  const variant = await variantToSet(deps.db, kase, category?.code, input.variant)
  const next = {
    variant,
    place: input.place,
    content: input.content,
    contact_name: input.contactName,
    contact_phone: input.contactPhone,
    category_id: category?.id,
    urgency: input.urgency,
  }
  const before: Record<keyof typeof next, unknown> = {
    variant: kase.variant,
    place: kase.place,
    content: kase.content,
    contact_name: kase.contactName,
    contact_phone: kase.contactPhone,
    category_id: kase.categoryId,
    urgency: kase.urgency,
  }
  const changes: Record<string, { from: unknown; to: unknown }> = {}
  for (const [k, v] of Object.entries(next) as [keyof typeof next, unknown][]) {
    if (v !== undefined && v !== before[k]) changes[k] = { from: before[k], to: v }
  }
  if (Object.keys(changes).length === 0) return kase
  const at = deps.clock.now()
  await deps.db.transaction().execute(async (trx) => {
    await lockCaseForWork(trx, kase, 'a change to its record')
    const set = Object.fromEntries(
      Object.keys(changes).map((k) => [k, next[k as keyof typeof next]]),
    )
    await updateCaseRecord(trx, kase.id, set, at)
    // 识别率: the category this save leaves on the record, if it is the first agent's save
    // with one. Later saves change the category, never this.
    const categoryId = 'category_id' in changes ? next.category_id : kase.categoryId
    if (categoryId) await recordFirstCategory(trx, kase.id, categoryId)
    // The record step (place, time, content, contact within 1 min) is done once place and
    // content are both there.
    const place = 'place' in changes ? next.place : kase.place
    const content = 'content' in changes ? next.content : kase.content
    if (place && content) await finishStep(trx, kase.id, 'record', at)
    await appendCaseEvent(trx, {
      caseId: kase.id,
      type: 'case_updated',
      actor: { kind: 'agent', agentId: agent.id },
      at,
      data: onBehalfData(agent, kase, { changes }),
    })
    if ('category_id' in changes || 'variant' in changes) {
      const newCategory = category?.code ?? kase.categoryCode
      const newVariant = 'variant' in changes ? (variant ?? null) : kase.variant
      const replanned = await replanResolution(deps, trx, {
        caseId: kase.id,
        category: newCategory,
        variant: newVariant,
        caseStartedAt: kase.createdAt,
      })
      if (replanned) {
        await appendCaseEvent(trx, {
          caseId: kase.id,
          type: 'resolution_replanned',
          actor: { kind: 'agent', agentId: agent.id },
          at,
          data: onBehalfData(agent, kase, {
            before: { category: kase.categoryCode, variant: kase.variant, dueAt: replanned.from },
            after: { category: newCategory, variant: newVariant, dueAt: replanned.to },
            policy: replanned.source,
          }),
        })
      }
    }
  })
  const updated = await findCaseByReference(deps.db, reference)
  if (!updated) throw new NotFoundError('case', reference)
  return updated
}

/**
 * The variant the case gets: the one asked for, if its category has it; none (the category's
 * default) when the category changes without one; unchanged (undefined) otherwise.
 */
async function variantToSet(
  db: Db,
  kase: CaseSummary,
  newCategory: string | undefined,
  asked: string | undefined,
): Promise<string | null | undefined> {
  const categoryCode = newCategory ?? kase.categoryCode
  if (asked === undefined) {
    return newCategory !== undefined && newCategory !== kase.categoryCode ? null : undefined
  }
  if (categoryCode === null) {
    throw new AppError('bad_request', `case ${kase.reference} has no category: set it first`)
  }
  if (!(await findVariant(db, categoryCode, asked))) {
    const known = (await listVariants(db, categoryCode)).map((v) => v.code)
    throw new AppError(
      'bad_request',
      known.length === 0
        ? `category ${categoryCode} has no variants; leave variant out`
        : `"${asked}" is not a variant of ${categoryCode}: use one of ${known.join(', ')}`,
    )
  }
  return asked
}
