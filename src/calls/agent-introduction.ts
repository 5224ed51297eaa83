import { findAgentById } from '../agents/agents.repository.ts'
import type { CallbackDeps } from '../callbacks/deps.ts'
import type { Language } from '../domain/language.ts'
import { prompts, spell } from '../domain/prompts.ts'
import { coerceError, NotFoundError } from '../errors.ts'
import { type AcceptOutcome, agentPressed } from './agent-offer.ts'
import { findOfferWithCall } from './offers.repository.ts'

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
  const row = await deps.db
    .selectFrom('agent_offers as o')
    .innerJoin('calls as c', 'c.call_sid', 'o.call_sid')
    .select(['o.call_sid', 'c.conference_sid'])
    .where('o.id', '=', offerId)
    .executeTakeFirst()
  if (!row) return
  const log = deps.logger.child({ callSid: row.call_sid, offerId })
  if (!row.conference_sid) {
    log.warn('caller not seen in a conference yet; the agent introduces themselves')
    return
  }
  await deps.telephony
    .updateParticipant(row.conference_sid, row.call_sid, {
      announceUrl: deps.paths.agentIntroduction(offerId),
    })
    .catch((e: unknown) => log.warn({ err: coerceError(e) }, 'agent introduction not announced'))
}

/** What the announcement says: the administrators' wording, with the job number spelled out. */
export async function agentIntroduction(
  deps: Pick<CallbackDeps, 'db' | 'config'>,
  offerId: string,
): Promise<{ language: Language; text: string }> {
  const found = await findOfferWithCall(deps.db, offerId)
  if (!found) throw new NotFoundError('offer', offerId)
  const agent = await findAgentById(deps.db, found.offer.agentId)
  if (!agent) throw new NotFoundError('agent', found.offer.agentId)
  const language = found.call.language ?? deps.config.defaultLanguage
  return { language, text: prompts(language).agentIntroduction(spell(agent.jobNumber)) }
}
