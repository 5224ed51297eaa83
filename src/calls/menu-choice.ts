import { sql } from 'kysely'

import { notifyAgent } from '../callbacks/notifications.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import { findOpenCasesOfCaller, insertCase, nextCaseReference } from '../cases/cases.repository.ts'
import type { Db } from '../db/database.ts'
import type { QueueState } from '../db/schema.ts'
import { startCaseLimits } from '../deadlines/case-limits.ts'
import { EMERGENCY_PRIORITY, NORMAL_PRIORITY } from '../domain/dispatch.ts'
import type { MenuPosition, QueueTarget } from '../domain/ivr-flow.ts'
import { nextIvrStep } from '../domain/ivr-flow.ts'
import type { Language } from '../domain/language.ts'
import { NotFoundError } from '../errors.ts'
import type { CallRecord } from './calls.repository.ts'
import {
  enqueueCall,
  findCall,
  markVoicemailReached,
  moveQueueState,
  recordDigits,
  setCallLanguage,
} from './calls.repository.ts'
import type { CallDeps } from './deps.ts'
import type { Category, Hotline } from './directory.repository.ts'
import { findEmergencyCategory } from './directory.repository.ts'
import type { MenuOutcome } from './inbound-call.ts'
import { conferenceNameFor, menuView } from './inbound-call.ts'
import { countAvailableAgents, oweReturnCall } from './return-call.ts'

/** What a call already past the menu is told when Twilio posts a menu choice again. */
function settledOutcome(
  call: Pick<CallRecord, 'callSid' | 'queueState' | 'priority'>,
  language: Language,
): MenuOutcome | undefined {
  const byState: Record<QueueState, MenuOutcome | undefined> = {
    ivr: undefined,
    waiting: {
      kind: 'queued',
      language,
      conferenceName: conferenceNameFor(call.callSid),
      emergency: call.priority >= EMERGENCY_PRIORITY,
    },
    connected: {
      kind: 'queued',
      language,
      conferenceName: conferenceNameFor(call.callSid),
      emergency: call.priority >= EMERGENCY_PRIORITY,
    },
    voicemail: { kind: 'voicemail', language },
    abandoned: { kind: 'gone', language },
    ended: { kind: 'gone', language },
  }
  return byState[call.queueState]
}

/** One key pressed (or none) at a menu: show the next menu, or open the case and queue. */
export async function chooseFromMenu(
  deps: CallDeps,
  input: { callSid: string; position: MenuPosition; digits: string | undefined },
): Promise<MenuOutcome> {
  const call = await findCall(deps.db, input.callSid)
  if (!call || call.kind !== 'caller') throw new NotFoundError('call', input.callSid)
  const hotline = call.hotlineNumber ? await deps.directory.hotline(call.hotlineNumber) : undefined
  if (!hotline) throw new NotFoundError('hotline of call', input.callSid)
  const language = input.position.language
  const settled = settledOutcome(call, language)
  if (settled)
    return settled.kind === 'queued' ? { ...settled, recording: hotline.recording } : settled
  if (input.digits) await recordDigits(deps.db, call.callSid, input.position.step, input.digits)

  const categories = await deps.directory.menuCategories()
  const keys = categories.flatMap((c) => (c.ivrKey === null ? [] : [c.ivrKey]))
  const decision = nextIvrStep(input.position, input.digits, keys)
  if (decision.kind === 'hangup_silent' || decision.kind === 'notice_resend') return decision
  if (decision.kind === 'menu') {
    if (decision.position.language !== language) {
      await setCallLanguage(deps.db, call.callSid, decision.position.language)
    }
    const view = await menuView(deps, call.callerId, hotline.name, decision.position)
    return { kind: 'menu', notice: decision.notice, ...view }
  }
  return enterQueue(deps, {
    call,
    hotline,
    categories,
    target: decision.target,
    language: decision.language,
  })
}

/**
 * Opens the case (or picks up the caller's open one) and puts the caller in the queue, in one
 * transaction that starts by locking the call: a retried or concurrent webhook, or the caller's
 * hang-up arriving at the same moment, finds the call no longer in the menu and changes nothing.
 */
async function enterQueue(
  deps: CallDeps,
  q: {
    call: CallRecord
    hotline: Hotline
    categories: Category[]
    target: QueueTarget
    language: Language
  },
): Promise<MenuOutcome> {
  const at = deps.clock.now()
  const { call, hotline, target, language } = q
  const emergency = target.kind === 'new_case' && target.emergency
  const conferenceName = conferenceNameFor(call.callSid)
  // Nobody on duty to ring: don't make the caller hold for nothing. An emergency still queues:
  // the dispatcher then rings the duty supervisor, whatever their presence.
  const toVoicemail = !emergency && (await countAvailableAgents(deps.db)) === 0
  // A new case's number is taken before the transaction, in a statement of its own: the day's
  // counter is one row, and taken inside, its lock was held to the commit, so every new case of
  // the hotline waited for the one before it (at ten calls a second, seconds per menu press).
  // The price: a caller who hangs up at this very moment leaves their number unused.
  const reference =
    target.kind === 'new_case'
      ? await nextCaseReference(deps.db, {
          prefix: deps.config.caseReferencePrefix,
          at,
          timeZone: deps.config.timeZone,
        })
      : undefined

  const result = await deps.db.transaction().execute(async (trx) => {
    const locked = await sql<{ queue_state: QueueState; priority: number }>`
      select queue_state, priority from calls where call_sid = ${call.callSid} for update`.execute(
      trx,
    )
    const state = locked.rows[0]
    if (!state || state.queue_state !== 'ivr') {
      return settledOutcome(
        {
          callSid: call.callSid,
          queueState: state?.queue_state ?? 'ended',
          priority: state?.priority ?? 0,
        },
        language,
      )
    }
    const open = call.callerId ? await findOpenCasesOfCaller(trx, call.callerId) : []
    const existing = target.kind === 'existing_case' ? open[0] : undefined
    const caseId =
      existing?.id ??
      (await openCase(trx, deps, {
        call,
        hotline,
        categories: q.categories,
        target,
        language,
        at,
        reference,
      }))
    await enqueueCall(trx, {
      callSid: call.callSid,
      caseId,
      priority: emergency ? EMERGENCY_PRIORITY : NORMAL_PRIORITY,
      preferredAgentId: existing?.firstOwnerId ?? null,
      language,
      conferenceName,
      at,
    })
    await appendCaseEvent(trx, {
      caseId,
      type: existing ? 'follow_up_call' : 'call_queued',
      actor: { kind: 'caller' },
      at,
      callSid: call.callSid,
      data: { emergency, agentsAvailable: !toVoicemail },
    })
    if (toVoicemail) {
      await moveQueueState(trx, call.callSid, ['waiting'], 'voicemail', at)
      // The prompt is rendered right here, not through a redirect: nothing to retry later.
      await markVoicemailReached(trx, call.callSid)
      await appendCaseEvent(trx, {
        caseId,
        type: 'voicemail_offered',
        actor: { kind: 'system' },
        at,
        callSid: call.callSid,
        data: { reason: 'no agent available' },
      })
      await oweReturnCall(trx, {
        caseId,
        callSid: call.callSid,
        hotlineNumber: hotline.phoneNumber,
        reason: 'voicemail',
        at,
      })
      return { kind: 'voicemail', language } satisfies MenuOutcome
    }
    return {
      kind: 'queued',
      language,
      conferenceName,
      emergency,
      recording: hotline.recording,
    } satisfies MenuOutcome
  })
  const outcome = result ?? { kind: 'gone', language }
  if (outcome.kind === 'queued') await deps.triggers.dispatch(`queued-${call.callSid}`)
  return outcome
}

async function openCase(
  trx: Db,
  deps: CallDeps,
  o: {
    call: CallRecord
    hotline: Hotline
    categories: Category[]
    target: QueueTarget
    language: Language
    at: Date
    /** Taken before the transaction; a follow-up call whose case has closed takes one here. */
    reference: string | undefined
  },
): Promise<string> {
  const emergency = o.target.kind === 'new_case' && o.target.emergency
  const key = o.target.kind === 'new_case' ? o.target.categoryKey : null
  const category =
    key !== null
      ? o.categories.find((c) => c.ivrKey === key)
      : emergency
        ? await findEmergencyCategory(trx)
        : undefined
  const reference =
    o.reference ??
    (await nextCaseReference(trx, {
      prefix: deps.config.caseReferencePrefix,
      at: o.at,
      timeZone: deps.config.timeZone,
    }))
  const caseId = await insertCase(trx, {
    reference,
    hotlineNumber: o.hotline.phoneNumber,
    callerId: o.call.callerId,
    categoryId: category?.id ?? null,
    urgency: emergency ? 'emergency' : 'normal',
    at: o.at,
  })
  await appendCaseEvent(trx, {
    caseId,
    type: 'case_opened',
    actor: { kind: 'caller' },
    at: o.at,
    callSid: o.call.callSid,
    data: { via: 'ivr', category: category?.code ?? null, emergency, language: o.language },
  })
  await startCaseLimits(deps, trx, { caseId, category: category?.code ?? null, at: o.at })
  if (emergency) {
    // 突发紧急: the supervisor hears of it at once, not when the limit runs out.
    await appendCaseEvent(trx, {
      caseId,
      type: 'emergency_reported',
      actor: { kind: 'system' },
      at: o.at,
      data: { to: o.hotline.dutySupervisorId },
    })
    await notifyAgent(
      { db: trx, clock: deps.clock },
      {
        agentId: o.hotline.dutySupervisorId,
        caseId,
        kind: 'emergency',
        body: `Emergency call: case ${reference} is being answered now.`,
      },
    )
  }
  return caseId
}
