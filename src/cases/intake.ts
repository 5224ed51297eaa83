import { sql } from 'kysely'

import { findVariant } from '../admin/category-variants.ts'
import type { Agent } from '../agents/agents.repository.ts'
import { notifyAgent } from '../callbacks/notifications.ts'
import type { Clock } from '../calls/deps.ts'
import type { Hotline } from '../calls/directory.repository.ts'
import { findCategoryByCode, listHotlines } from '../calls/directory.repository.ts'
import type { Db } from '../db/database.ts'
import type { CaseSource } from '../db/schema.ts'
import type { LimitDeps } from '../deadlines/case-limits.ts'
import { finishStep, startCaseLimits } from '../deadlines/case-limits.ts'
import { AppError, NotFoundError } from '../errors.ts'
import { appendCaseEvent } from './case-events.repository.ts'
import type { CaseSummary } from './cases.repository.ts'
import { claimFirstOwner, findCaseById, nextCaseReference } from './cases.repository.ts'

export type IntakeSource = Exclude<CaseSource, 'call'>

export interface IntakeInput {
  source: IntakeSource
  caller: { name: string | null; phone: string }
  category: string | null
  variant: string | null
  place: string | null
  content: string
  /** The hotline the return call comes from; by default the main one of the default language. */
  hotline: string | null
}

export interface IntakeDeps extends LimitDeps {
  db: Db
  clock: Clock
  config: { caseReferencePrefix: string; timeZone: string; defaultLanguage: string }
}

/**
 * A case a staff member records from a walk-in, an internal relay, a superior's instruction, a
 * letter or an e-mail. The sources give them the same duty as a call's answerer: the one who
 * records it is its first owner from that moment, and the same clocks run. The caller's phone
 * is the caller's identity, as for a call: the confirmation call rings it, and only that caller
 * closes the case.
 */
export async function recordCase(
  deps: IntakeDeps,
  agent: Agent,
  input: IntakeInput,
): Promise<CaseSummary> {
  const category =
    input.category === null ? null : await findCategoryByCode(deps.db, input.category)
  if (input.category !== null && !category) {
    throw new AppError('bad_request', `unknown category "${input.category}"`)
  }
  if (input.variant !== null) {
    if (!category) throw new AppError('bad_request', 'a variant needs its category: give both')
    if (!(await findVariant(deps.db, category.code, input.variant))) {
      throw new AppError('bad_request', `"${input.variant}" is not a variant of ${category.code}`)
    }
  }
  const hotline = await hotlineFor(deps, input.hotline)
  const at = deps.clock.now()
  const caseId = await deps.db.transaction().execute(async (trx) => {
    const caller = await sql<{ id: string }>`
      insert into callers (phone_number, name, created_at, updated_at)
      values (${input.caller.phone}, ${input.caller.name}, ${at}, ${at})
      on conflict (phone_number) do update set
        name = coalesce(excluded.name, callers.name), updated_at = excluded.updated_at
      returning id`.execute(trx)
    const reference = await nextCaseReference(trx, {
      prefix: deps.config.caseReferencePrefix,
      at,
      timeZone: deps.config.timeZone,
    })
    const row = await trx
      .insertInto('cases')
      .values({
        reference,
        hotline_number: hotline.phoneNumber,
        caller_id: caller.rows[0]?.id ?? null,
        category_id: category?.id ?? null,
        // Recorded by an agent from the start: their classification, for 识别率.
        first_recorded_category_id: category?.id ?? null,
        variant: input.variant,
        source: input.source,
        place: input.place,
        content: input.content,
        urgency: category?.isEmergency ? 'emergency' : 'normal',
        contact_name: input.caller.name,
        contact_phone: input.caller.phone,
        first_owner_id: null,
        first_owned_at: null,
        assignee_agent_id: null,
        assignee_department_id: null,
        promised_reply_at: null,
        closed_at: null,
        created_at: at,
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await appendCaseEvent(trx, {
      caseId: row.id,
      type: 'case_opened',
      actor: { kind: 'agent', agentId: agent.id },
      at,
      data: { via: input.source, category: category?.code ?? null, variant: input.variant },
    })
    // Through the same claim as an answered call: the DB trigger keeps the owner from here on.
    await claimFirstOwner(trx, row.id, agent.id, at)
    await appendCaseEvent(trx, {
      caseId: row.id,
      type: 'first_owner_claimed',
      actor: { kind: 'agent', agentId: agent.id },
      at,
      data: { via: input.source },
    })
    await startCaseLimits(deps, trx, {
      caseId: row.id,
      category: category?.code ?? null,
      variant: input.variant,
      at,
    })
    // Recorded and dispatched by the one who took it, in the same moment.
    await finishStep(trx, row.id, 'dispatch', at)
    if (input.place) await finishStep(trx, row.id, 'record', at)
    if (category?.isEmergency) {
      // 突发紧急, as for an emergency call: the duty supervisor hears of it at once.
      await appendCaseEvent(trx, {
        caseId: row.id,
        type: 'emergency_reported',
        actor: { kind: 'system' },
        at,
        data: { to: hotline.dutySupervisorId },
      })
      await notifyAgent(
        { db: trx, clock: deps.clock },
        {
          agentId: hotline.dutySupervisorId,
          caseId: row.id,
          kind: 'emergency',
          body: `Emergency (${input.source}): case ${reference} recorded by ${agent.jobNumber}.`,
        },
      )
    }
    return row.id
  })
  const kase = await findCaseById(deps.db, caseId)
  if (!kase) throw new NotFoundError('case', caseId)
  return kase
}

async function hotlineFor(deps: IntakeDeps, asked: string | null): Promise<Hotline> {
  const all = await listHotlines(deps.db)
  const found =
    asked === null
      ? (all.find((h) => h.language === deps.config.defaultLanguage) ?? all[0])
      : all.find((h) => h.phoneNumber === asked)
  if (!found) {
    throw new AppError(
      asked === null ? 'invalid_state' : 'bad_request',
      asked === null
        ? 'no hotline is set up: the return call would have no number to come from'
        : `${asked} is not one of this service's hotlines`,
    )
  }
  return found
}
