import { appendCaseEvent } from '../cases/case-events.repository.ts'
import { findOpenCasesOfCaller, insertCase, nextCaseReference } from '../cases/cases.repository.ts'
import { EMERGENCY_PRIORITY, NORMAL_PRIORITY } from '../domain/dispatch.ts'
import type { IvrDecision, MenuPosition } from '../domain/ivr-flow.ts'
import { firstMenu, nextIvrStep } from '../domain/ivr-flow.ts'
import type { Language } from '../domain/language.ts'
import type { MenuCategory } from '../domain/prompts.ts'
import { NotFoundError } from '../errors.ts'
import {
  enqueueCall,
  findCall,
  moveQueueState,
  recordDigits,
  setCallLanguage,
} from './calls.repository.ts'
import type { CallDeps } from './deps.ts'
import type { Category } from './directory.repository.ts'
import { findEmergencyCategory } from './directory.repository.ts'
import { countAvailableAgents, oweReturnCall } from './return-call.ts'

export interface IncomingCallInput {
  callSid: string
  from: string
  to: string
  callerName: string | null
  fromCity: string | null
  fromState: string | null
  fromCountry: string | null
}

export interface MenuView {
  position: MenuPosition
  orgName: string
  openCase: { reference: string; ownerJobNumber: string | null } | null
  categories: MenuCategory[]
}

export type MenuOutcome =
  | ({ kind: 'menu'; notice: 'none' | 'invalid' | 'silence' } & MenuView)
  | { kind: 'hangup_silent'; language: Language }
  | { kind: 'queued'; language: Language; conferenceName: string; emergency: boolean }
  | { kind: 'voicemail'; language: Language }

export function conferenceNameFor(callSid: string): string {
  return `call-${callSid}`
}

/** Logs the caller and their leg, and decides the first menu. Safe to run twice for one call. */
export async function receiveIncomingCall(
  deps: CallDeps,
  input: IncomingCallInput,
): Promise<{ kind: 'not_in_service' } | ({ kind: 'menu' } & MenuView)> {
  const hotline = await deps.directory.hotline(input.to)
  if (!hotline) return { kind: 'not_in_service' }
  const [recorded, categories] = await Promise.all([
    deps.inboundRecorder.record({
      ...input,
      hotlineNumber: hotline.phoneNumber,
      fromNumber: input.from,
      language: hotline.language,
      at: deps.clock.now(),
    }),
    deps.directory.menuCategories(),
  ])
  const openCase = recorded.openCases[0] ?? null
  return {
    kind: 'menu',
    position: firstMenu(hotline.language, openCase !== null),
    orgName: hotline.name,
    openCase,
    categories: menuEntries(categories),
  }
}

function menuEntries(cats: Category[]): MenuCategory[] {
  return cats.flatMap((c) =>
    c.ivrKey === null ? [] : [{ key: c.ivrKey, nameZh: c.nameZh, nameEn: c.nameEn }],
  )
}

async function menuView(
  deps: CallDeps,
  callerId: string | null,
  orgName: string,
  position: MenuPosition,
): Promise<MenuView> {
  const [open, cats] = await Promise.all([
    callerId ? findOpenCasesOfCaller(deps.db, callerId) : Promise.resolve([]),
    deps.directory.menuCategories(),
  ])
  const latest = open[0]
  return {
    position,
    orgName,
    openCase: latest
      ? { reference: latest.reference, ownerJobNumber: latest.firstOwnerJobNumber }
      : null,
    categories: menuEntries(cats),
  }
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
  // A retried webhook after the caller already left the menu gets the same answer again.
  if (call.queueState === 'waiting' || call.queueState === 'connected') {
    return {
      kind: 'queued',
      language,
      conferenceName: conferenceNameFor(call.callSid),
      emergency: call.priority >= EMERGENCY_PRIORITY,
    }
  }
  if (call.queueState === 'voicemail') return { kind: 'voicemail', language }
  if (input.digits) await recordDigits(deps.db, call.callSid, input.position.step, input.digits)

  const categories = await deps.directory.menuCategories()
  const keys = categories.flatMap((c) => (c.ivrKey === null ? [] : [c.ivrKey]))
  const decision: IvrDecision = nextIvrStep(input.position, input.digits, keys)
  if (decision.kind === 'hangup_silent') return decision
  if (decision.kind === 'menu') {
    if (decision.position.language !== language) {
      await setCallLanguage(deps.db, call.callSid, decision.position.language)
    }
    return {
      kind: 'menu',
      notice: decision.notice,
      ...(await menuView(deps, call.callerId, hotline.name, decision.position)),
    }
  }

  const at = deps.clock.now()
  const target = decision.target
  const open = call.callerId ? await findOpenCasesOfCaller(deps.db, call.callerId) : []
  const existing = target.kind === 'existing_case' ? open[0] : undefined
  const emergency = target.kind === 'new_case' && target.emergency
  const conferenceName = conferenceNameFor(call.callSid)
  const anyoneAvailable = (await countAvailableAgents(deps.db)) > 0

  const queued = await deps.db.transaction().execute(async (trx) => {
    let caseId: string
    if (existing) {
      caseId = existing.id
    } else {
      const category =
        target.kind === 'new_case' && target.categoryKey !== null
          ? categories.find((c) => c.ivrKey === target.categoryKey)
          : emergency
            ? await findEmergencyCategory(trx)
            : undefined
      const reference = await nextCaseReference(trx, {
        prefix: deps.config.caseReferencePrefix,
        at,
        timeZone: deps.config.timeZone,
      })
      caseId = await insertCase(trx, {
        reference,
        hotlineNumber: hotline.phoneNumber,
        callerId: call.callerId,
        categoryId: category?.id ?? null,
        urgency: emergency ? 'emergency' : 'normal',
        at,
      })
      await appendCaseEvent(trx, {
        caseId,
        type: 'case_opened',
        actor: { kind: 'caller' },
        at,
        callSid: call.callSid,
        data: {
          via: 'ivr',
          category: category?.code ?? null,
          emergency,
          language: decision.language,
        },
      })
    }
    const ok = await enqueueCall(trx, {
      callSid: call.callSid,
      caseId,
      priority: emergency ? EMERGENCY_PRIORITY : NORMAL_PRIORITY,
      preferredAgentId: existing?.firstOwnerId ?? null,
      language: decision.language,
      conferenceName,
      at,
    })
    if (!ok) return false
    await appendCaseEvent(trx, {
      caseId,
      type: existing ? 'follow_up_call' : 'call_queued',
      actor: { kind: 'caller' },
      at,
      callSid: call.callSid,
      data: { emergency, agentsAvailable: anyoneAvailable },
    })
    if (!anyoneAvailable) {
      // Nobody is on duty to ring: don't make the caller hold for nothing.
      await moveQueueState(trx, call.callSid, ['waiting'], 'voicemail', at)
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
    }
    return true
  })
  if (!queued) return chooseFromMenu(deps, input) // lost a race with a retry: answer as it did
  if (!anyoneAvailable) return { kind: 'voicemail', language: decision.language }
  await deps.triggers.dispatch(`queued-${call.callSid}`)
  return { kind: 'queued', language: decision.language, conferenceName, emergency }
}
