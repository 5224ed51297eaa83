import { findAgentById } from '../agents/agents.repository.ts'
import type { CallbackDeps } from '../callbacks/deps.ts'
import type { Language } from '../domain/language.ts'
import { prompts, spell } from '../domain/prompts.ts'
import { coerceError, NotFoundError } from '../errors.ts'
import { type AcceptOutcome, agentPressed } from './agent-offer.ts'
import { findCall } from './calls.repository.ts'
import { findOffer } from './offers.repository.ts'

/**
 * The agent's key at the whisper. When their 1 wins the call, the caller, still waiting in their
 * conference, is told the agent's job number (the sources: staff identify themselves by job
 * number) before the agent's leg joins: the announcement is asked for before this returns the
 * agent's TwiML, and the agent first hears "connected, case …" themselves.
 */
export async function acceptOffer(
  deps: CallbackDeps,
  offerId: string,
  digits: string | undefined,
): Promise<AcceptOutcome> {
  const outcome = await agentPressed(deps, offerId, digits)
  if (outcome.kind === 'connected' && outcome.won) await introduceAgent(deps, offerId)
  return outcome
}

/**
 * An announcement to the caller's participant only (Twilio's Participants API `AnnounceUrl`):
 * it plays over the hold music without taking them out of the conference. Best effort: the
 * call goes on without it when the conference is not known yet or Twilio refuses.
 */
async function introduceAgent(deps: CallbackDeps, offerId: string): Promise<void> {
  const offer = await findOffer(deps.db, offerId)
  if (!offer) return
  const log = deps.logger.child({ callSid: offer.callSid, offerId })
  const row = await deps.db
    .selectFrom('calls')
    .select('conference_sid')
    .where('call_sid', '=', offer.callSid)
    .executeTakeFirst()
  if (!row?.conference_sid) {
    log.warn('caller not seen in a conference yet; the agent introduces themselves')
    return
  }
  await deps.telephony
    .updateParticipant(row.conference_sid, offer.callSid, {
      announceUrl: deps.paths.agentIntroduction(offerId),
    })
    .catch((e: unknown) => log.warn({ err: coerceError(e) }, 'agent introduction not announced'))
}

/** What the announcement says: the administrators' wording, with the job number spelled out. */
export async function agentIntroduction(
  deps: Pick<CallbackDeps, 'db' | 'config'>,
  offerId: string,
): Promise<{ language: Language; text: string }> {
  const offer = await findOffer(deps.db, offerId)
  if (!offer) throw new NotFoundError('offer', offerId)
  const [call, agent] = await Promise.all([
    findCall(deps.db, offer.callSid),
    findAgentById(deps.db, offer.agentId),
  ])
  if (!agent) throw new NotFoundError('agent', offer.agentId)
  const language = call?.language ?? deps.config.defaultLanguage
  return { language, text: prompts(language).agentIntroduction(spell(agent.jobNumber)) }
}
