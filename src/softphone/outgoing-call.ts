import type { CallbackDeps } from '../callbacks/deps.ts'
import { findHotline } from '../calls/directory.repository.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import { findCaseByReference } from '../cases/cases.repository.ts'
import { mayWorkOnCase, onBehalfData } from '../cases/update-case.ts'
import type { Language } from '../domain/language.ts'
import type { RecordingMode } from '../domain/recording.ts'
import type { DialTarget, SoftphoneRefusal } from '../domain/softphone-call.ts'
import { chooseDialable } from '../domain/softphone-call.ts'
import { numbersOfCase } from './case-numbers.ts'
import { findActiveAgentByIdentity, recordSoftphoneCall } from './softphone.repository.ts'

export interface OutgoingCallInput {
  callSid: string
  /** Twilio's `From`: `client:<identity>` for a call from the browser's Device. */
  from: string
  /** The custom parameters the console passed to `device.connect`. */
  caseRef: string | null
  to: string | null
}

export type OutgoingCallOutcome =
  | {
      kind: 'dial'
      /** E.164 of the caller or the contact. */
      number: string
      target: DialTarget
      /** The case's hotline: what the caller sees, and would call back. */
      callerId: string
      /** The hotline's recording setting: its calls placed by hand are recorded like the rest. */
      recording: RecordingMode
      language: Language
    }
  | { kind: 'refused'; reason: SoftphoneRefusal; language: Language }

/**
 * An agent calls a case's caller back by hand from the console. Only an active agent who may
 * work on the case, only to the case's caller or contact number, always from the case's
 * hotline. The call and a timeline event are recorded once per CallSid (Twilio retries the
 * voice URL); a retry gets the same answer.
 */
export async function placeSoftphoneCall(
  deps: CallbackDeps,
  input: OutgoingCallInput,
): Promise<OutgoingCallOutcome> {
  const lang = deps.config.defaultLanguage
  const refuse = (reason: SoftphoneRefusal, language: Language = lang): OutgoingCallOutcome => {
    deps.logger.warn({ callSid: input.callSid, reason }, 'softphone call refused')
    return { kind: 'refused', reason, language }
  }
  const identity = input.from.startsWith('client:') ? input.from.slice('client:'.length) : null
  const agent = identity ? await findActiveAgentByIdentity(deps.db, identity) : undefined
  if (!agent) return refuse('not_an_agent')
  const kase = input.caseRef ? await findCaseByReference(deps.db, input.caseRef) : undefined
  if (!kase) return refuse('no_case')
  const hotline = kase.hotlineNumber ? await findHotline(deps.db, kase.hotlineNumber) : undefined
  const language = hotline?.language ?? lang
  if (!(await mayWorkOnCase(deps.db, agent, kase))) return refuse('not_your_case', language)
  const numbers = await numbersOfCase(deps.db, kase)
  const chosen = input.to ? chooseDialable(numbers, input.to) : undefined
  if (!chosen) return refuse('number_not_on_case', language)
  if (!hotline) return refuse('no_hotline', language)

  const at = deps.clock.now()
  await deps.db.transaction().execute(async (trx) => {
    const fresh = await recordSoftphoneCall(trx, {
      callSid: input.callSid,
      caseId: kase.id,
      agentId: agent.id,
      hotlineNumber: hotline.phoneNumber,
      toNumber: chosen.number,
      language,
      at,
    })
    if (!fresh) return
    await appendCaseEvent(trx, {
      caseId: kase.id,
      type: 'softphone_call_placed',
      actor: { kind: 'agent', agentId: agent.id },
      at,
      callSid: input.callSid,
      data: onBehalfData(agent, kase, { to: chosen.target }),
    })
  })
  deps.logger.info(
    { callSid: input.callSid, caseId: kase.id, to: chosen.target },
    'softphone call to the case placed',
  )
  return {
    kind: 'dial',
    number: chosen.number,
    target: chosen.target,
    callerId: hotline.phoneNumber,
    recording: hotline.recording,
    language,
  }
}
