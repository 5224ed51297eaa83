/**
 * Automatic call distribution, pure. Waiting callers are served in priority order (emergencies
 * first), then by arrival. Each gets a "wave" of available agents rung at once for one ring
 * period (the three-rings rule); when a wave ends unanswered, the next untried agents are rung.
 * An emergency rings everyone free at once. A caller following up a case is offered their
 * first owner alone first. Past the longest wait, the caller is offered voicemail.
 */

export interface WaitingCall {
  callSid: string
  priority: number
  enqueuedAt: Date
  emergency: boolean
  preferredAgentId: number | null
  liveOffers: number
  /** Agents already rung for this call since it last entered the queue (any outcome). */
  triedAgentIds: readonly number[]
  /**
   * For an emergency: who is rung when nobody available can be, whatever their presence (the
   * hotline's duty supervisor). An emergency never waits for someone to become available.
   */
  fallbackAgentId?: number | null
}

export interface FreeAgent {
  id: number
  lastOfferAt: Date | null
}

export interface DispatchPlan {
  offers: { callSid: string; agentId: number }[]
  toVoicemail: string[]
}

/**
 * Who counts as tried: agents offered the call since it last entered the queue. A caller put back
 * in the queue (a transfer that failed after the agent left) starts afresh, so their first owner,
 * whose own earlier accepted offer is on the same CallSid, is rung alone first again.
 */
export function agentsTriedSince(
  offers: readonly { agentId: number; offeredAt: Date }[],
  enqueuedAt: Date,
): number[] {
  const ids = offers.filter((o) => o.offeredAt >= enqueuedAt).map((o) => o.agentId)
  return [...new Set(ids)]
}

export const EMERGENCY_PRIORITY = 100
export const NORMAL_PRIORITY = 0

export function planDispatch(input: {
  now: Date
  waiting: readonly WaitingCall[]
  freeAgents: readonly FreeAgent[]
  /** Agents with a ring or call in progress: never offered a second one. */
  engagedAgentIds?: readonly number[]
  /**
   * Agents in after-call work (not ringing): never in a wave, but rung for a caller who prefers
   * them — their own caller back in the queue after a failed transfer, moments after they left.
   */
  wrappingUpAgentIds?: readonly number[]
  waveSize: number
  maxWaitMs: number
}): DispatchPlan {
  const plan: DispatchPlan = { offers: [], toVoicemail: [] }
  // Longest idle first: spreads calls fairly across the team.
  let free = [...input.freeAgents].sort(
    (a, b) => (a.lastOfferAt?.getTime() ?? 0) - (b.lastOfferAt?.getTime() ?? 0),
  )
  const ordered = [...input.waiting].sort(
    (a, b) => b.priority - a.priority || a.enqueuedAt.getTime() - b.enqueuedAt.getTime(),
  )
  const wrappingUp = new Set(input.wrappingUpAgentIds)
  for (const call of ordered) {
    if (input.now.getTime() - call.enqueuedAt.getTime() >= input.maxWaitMs) {
      plan.toVoicemail.push(call.callSid)
      continue
    }
    if (call.liveOffers > 0 && !call.emergency) continue // a wave is still ringing
    let chosen = pickWave(call, free, input.waveSize, wrappingUp)
    const fallback = call.fallbackAgentId
    if (chosen.length === 0 && call.emergency && call.liveOffers === 0 && fallback != null) {
      const engaged =
        plan.offers.some((o) => o.agentId === fallback) || input.engagedAgentIds?.includes(fallback)
      if (!engaged) chosen = [fallback]
    }
    for (const agentId of chosen) plan.offers.push({ callSid: call.callSid, agentId })
    free = free.filter((a) => !chosen.includes(a.id))
    for (const id of chosen) wrappingUp.delete(id)
  }
  return plan
}

function pickWave(
  call: WaitingCall,
  free: readonly FreeAgent[],
  waveSize: number,
  wrappingUp: ReadonlySet<number>,
): number[] {
  const tried = new Set(call.triedAgentIds)
  const preferred = call.preferredAgentId
  const reachable = (id: number) => free.some((a) => a.id === id) || wrappingUp.has(id)
  if (preferred !== null && !tried.has(preferred) && reachable(preferred)) return [preferred]
  const untried = free.filter((a) => !tried.has(a.id))
  // Everyone free has been tried once: start another round rather than leave the caller alone.
  const pool = untried.length > 0 ? untried : call.liveOffers === 0 ? free : []
  const size = call.emergency ? pool.length : waveSize
  return pool.slice(0, size).map((a) => a.id)
}
