import { sql } from 'kysely'
import pLimit from 'p-limit'

import {
  agentAddress,
  findAgentById,
  listEngagedAgentIds,
  listFreeAgents,
  touchLastOffer,
} from '../agents/agents.repository.ts'
import { endDueWrapUps, listWrappingUp } from '../agents/wrap-up.ts'
import { literal } from '../db/literals.ts'
import { agentsTriedSince, planDispatch } from '../domain/dispatch.ts'
import { coerceError } from '../errors.ts'
import type { VoicePaths } from '../voice/paths.ts'
import { claimLostVoicemailRedirects, markCallOver } from './calls.repository.ts'
import type { DispatchDeps } from './deps.ts'
import {
  claimOffersToRelease,
  insertOffers,
  LIVE_OFFER_STATUSES,
  moveOffer,
  setOfferLeg,
} from './offers.repository.ts'
import { sendToVoicemail } from './voicemail.ts'

// One lock id for the whole dispatcher: runs on any instance serialize, so an agent is never
// offered two calls and a wave is never dialled twice.
const DISPATCH_LOCK_ID = 4_242_001
// Twilio fetches a redirect's TwiML within a second; 20 s without it means the redirect was lost.
const VOICEMAIL_REDIRECT_RETRY_SECONDS = 20
/**
 * Twilio requests of one pass in flight at once. Twilio refuses an account's requests beyond its
 * REST concurrency limit (429, error 20429: the offer fails and the caller goes to the next
 * agent); a pass or two at this width stays well under it, beside the return calls' own budget
 * (CALLBACK_DIALS_IN_FLIGHT).
 */
const DIALS_IN_PARALLEL = 16

export interface DispatchResult {
  dialled: number
  released: number
  toVoicemail: number
}

/**
 * One pass of the ACD: release offers that lost their caller, send long waits to voicemail,
 * ring the next wave for every waiting caller. The release is one statement; the rest is decided
 * in one locked transaction. Twilio is called only after commit, so a crash in between leaves a
 * row the next pass repairs.
 */
export async function runDispatch(
  deps: DispatchDeps & { paths: VoicePaths },
): Promise<DispatchResult> {
  const at = deps.clock.now()
  const ringSeconds = deps.config.voice.ringTimeoutSeconds
  // Outside the pass's transaction, in a statement of its own: the offers it ends stay locked
  // only while it runs, not for the whole pass (see claimOffersToRelease). What it ends is
  // committed before the pass plans, so the plan counts those offers as over.
  const released = await claimOffersToRelease(deps.db, {
    at,
    staleAfterSeconds: ringSeconds + 60,
  })
  const decided = await deps.db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${DISPATCH_LOCK_ID})`.execute(trx)
    // Agents whose after-call work is over are available from this pass on (see wrap-up.ts).
    await endDueWrapUps(trx, at)
    const waiting = await trx
      .selectFrom('calls')
      .select([
        'call_sid',
        'priority',
        'enqueued_at',
        'preferred_agent_id',
        'case_id',
        'hotline_number',
      ])
      .where('queue_state', '=', literal('waiting'))
      .execute()
    const offers = waiting.length
      ? await trx
          .selectFrom('agent_offers')
          .select(['call_sid', 'agent_id', 'status', 'wave', 'created_at'])
          .where(
            'call_sid',
            'in',
            waiting.map((w) => w.call_sid),
          )
          .execute()
      : []
    const free = waiting.length ? await listFreeAgents(trx) : []
    const engaged = waiting.some((w) => w.priority > 0) ? await listEngagedAgentIds(trx) : []
    const wrappingUp = await listWrappingUp(
      trx,
      waiting.flatMap((w) => (w.preferred_agent_id === null ? [] : [w.preferred_agent_id])),
    )
    const fallbacks = new Map<string, number | null>()
    for (const w of waiting) {
      if (w.priority > 0 && w.hotline_number) {
        fallbacks.set(
          w.call_sid,
          (await deps.directory.hotline(w.hotline_number))?.dutySupervisorId ?? null,
        )
      }
    }
    const plan = planDispatch({
      engagedAgentIds: engaged,
      wrappingUpAgentIds: wrappingUp,
      now: at,
      waveSize: deps.config.voice.ringWaveSize,
      maxWaitMs: deps.config.voice.queueMaxWaitSeconds * 1000,
      freeAgents: free.map((a) => ({ id: a.id, lastOfferAt: a.lastOfferAt })),
      waiting: waiting.map((w) => {
        const mine = offers.filter((o) => o.call_sid === w.call_sid)
        return {
          callSid: w.call_sid,
          priority: w.priority,
          enqueuedAt: w.enqueued_at ?? at,
          emergency: w.priority > 0,
          preferredAgentId: w.preferred_agent_id,
          liveOffers: mine.filter((o) => ['dialing', 'ringing', 'answered'].includes(o.status))
            .length,
          triedAgentIds: agentsTriedSince(
            mine.map((o) => ({ agentId: o.agent_id, offeredAt: o.created_at })),
            w.enqueued_at ?? at,
          ),
          fallbackAgentId: fallbacks.get(w.call_sid) ?? null,
        }
      }),
    })
    const toDial: { offerId: string; callSid: string; agentId: number; hotline: string }[] = []
    const rows: Parameters<typeof insertOffers>[1][number][] = []
    for (const o of plan.offers) {
      const w = waiting.find((x) => x.call_sid === o.callSid)
      if (!w?.hotline_number) continue
      const wave =
        1 + Math.max(0, ...offers.filter((x) => x.call_sid === o.callSid).map((x) => x.wave))
      const offerId = deps.newId()
      rows.push({
        id: offerId,
        callSid: o.callSid,
        caseId: w.case_id,
        agentId: o.agentId,
        wave,
        at,
      })
      toDial.push({ offerId, callSid: o.callSid, agentId: o.agentId, hotline: w.hotline_number })
    }
    await insertOffers(trx, rows)
    await touchLastOffer(
      trx,
      rows.map((r) => r.agentId),
      at,
    )
    return { toDial, toVoicemail: plan.toVoicemail }
  })

  const toRedirect = await claimLostVoicemailRedirects(
    deps.db,
    at,
    VOICEMAIL_REDIRECT_RETRY_SECONDS,
  )
  for (const sid of decided.toVoicemail) {
    if (await sendToVoicemail(deps, sid, 'no agent answered in time')) toRedirect.push(sid)
  }
  for (const sid of toRedirect) {
    await deps.telephony.redirectCall(sid, deps.paths.voicemail(sid)).catch(async (e: unknown) => {
      // Twilio says the call is over: its final status callback was lost. Record the end so it
      // is not redirected again (the return call is owed already).
      if (callIsOver(e)) await markCallOver(deps.db, sid, deps.clock.now())
      else
        deps.logger.warn(
          { err: coerceError(e), callSid: sid },
          'voicemail redirect failed; retried later',
        )
    })
  }
  // Twilio's requests go out several at a time: one by one, a busy pass (a wave for each of
  // dozens of new callers) took seconds, and every caller queued meanwhile waited for it.
  const twilioSlot = pLimit(DIALS_IN_PARALLEL)
  await Promise.all(
    released.map((r) =>
      twilioSlot(async () => {
        if (!r.legCallSid) return
        // A ringing leg is cancelled; an agent already listening to the whisper hears why instead.
        const p =
          r.status === 'answered'
            ? deps.telephony.redirectCall(
                r.legCallSid,
                deps.paths.agentReleased(r.id, r.reason === 'taken' ? 'taken' : 'gone'),
              )
            : deps.telephony.endCall(r.legCallSid, 'canceled')
        await p.catch((e: unknown) =>
          deps.logger.info(
            { err: coerceError(e), offerId: r.id },
            'releasing agent leg failed (it may have ended already)',
          ),
        )
      }),
    ),
  )
  const outcomes = await Promise.all(
    decided.toDial.map((d) => twilioSlot(() => dialOffer(deps, d, ringSeconds))),
  )
  const failed = outcomes.filter((o) => o !== 'dialled').length
  // A failed dial frees the caller for the next agent now rather than at the next sweep.
  if (outcomes.includes('failed')) {
    await deps.triggers.dispatch(`redial-${decided.toDial[0]?.offerId ?? 'x'}`, 2000)
  }
  return {
    dialled: decided.toDial.length - failed,
    released: released.length,
    toVoicemail: decided.toVoicemail.length,
  }
}

/**
 * Rings one agent. Twilio answering with an error means no call was made: the offer fails and
 * the caller moves on. No answer at all (a timeout) is ambiguous, so the offer stays "dialing"
 * for its status callback or the stale sweep to settle; ringing the agent twice is worse.
 */
async function dialOffer(
  deps: DispatchDeps & { paths: VoicePaths },
  d: { offerId: string; agentId: number; hotline: string },
  ringSeconds: number,
): Promise<'dialled' | 'failed' | 'unknown'> {
  const agent = await findAgentById(deps.db, d.agentId)
  try {
    if (!agent) throw Object.assign(new Error(`agent ${d.agentId} vanished`), { status: 404 })
    const { callSid } = await deps.telephony.createCall({
      to: agentAddress(agent),
      from: d.hotline,
      url: deps.paths.agentAnswer(d.offerId),
      statusCallback: deps.paths.agentStatus(d.offerId),
      // Not "initiated": it says nothing the REST answer and "ringing" do not, and every agent
      // leg of a wave would cost one more webhook (a tenth of a busy day's).
      statusCallbackEvent: ['ringing', 'answered', 'completed'],
      timeoutSeconds: ringSeconds,
    })
    const status = await setOfferLeg(deps.db, d.offerId, callSid)
    // Released while we were dialling (the caller hung up, someone else took it): hang it up.
    if (status && !(LIVE_OFFER_STATUSES as readonly string[]).includes(status)) {
      await deps.telephony.endCall(callSid, 'canceled').catch(() => {})
    }
    return 'dialled'
  } catch (e) {
    const err = coerceError(e)
    const definite = typeof (e as { status?: unknown }).status === 'number'
    deps.logger.warn(
      { err, offerId: d.offerId, agentId: d.agentId, definite },
      'ringing agent failed',
    )
    if (!definite) return 'unknown'
    await moveOffer(deps.db, d.offerId, ['dialing'], 'failed', deps.clock.now())
    return 'failed'
  }
}

/** Twilio's answer for a call that has ended: 21220 "not in progress", or 404 for an old one. */
function callIsOver(e: unknown): boolean {
  const err = e as { code?: unknown; status?: unknown }
  return err.code === 21220 || err.status === 404
}
