import { describe, expect, it } from 'vitest'

import type { WaitingCall } from '../../src/domain/dispatch.ts'
import { agentsTriedSince, EMERGENCY_PRIORITY, planDispatch } from '../../src/domain/dispatch.ts'

const now = new Date('2026-11-23T02:00:00Z')
const ago = (s: number) => new Date(now.getTime() - s * 1000)
const call = (over: Partial<WaitingCall>): WaitingCall => ({
  callSid: 'CA1',
  priority: 0,
  enqueuedAt: ago(5),
  emergency: false,
  preferredAgentId: null,
  liveOffers: 0,
  triedAgentIds: [],
  ...over,
})
const agents = (...ids: number[]) => ids.map((id, i) => ({ id, lastOfferAt: ago(100 - i) }))
const base = { now, waveSize: 2, maxWaitMs: 120_000 }

describe('planDispatch', () => {
  it('rings a wave of the longest-idle agents', () => {
    const plan = planDispatch({ ...base, waiting: [call({})], freeAgents: agents(1, 2, 3) })
    expect(plan.offers).toEqual([
      { callSid: 'CA1', agentId: 1 },
      { callSid: 'CA1', agentId: 2 },
    ])
  })

  it('waits while a wave is still ringing', () => {
    expect(
      planDispatch({ ...base, waiting: [call({ liveOffers: 2 })], freeAgents: agents(3) }).offers,
    ).toEqual([])
  })

  it('rings the untried agents next, then starts a new round', () => {
    expect(
      planDispatch({
        ...base,
        waiting: [call({ triedAgentIds: [1, 2] })],
        freeAgents: agents(1, 2, 3),
      }).offers.map((o) => o.agentId),
    ).toEqual([3])
    expect(
      planDispatch({
        ...base,
        waiting: [call({ triedAgentIds: [1, 2, 3] })],
        freeAgents: agents(1, 2, 3),
      }).offers.map((o) => o.agentId),
    ).toEqual([1, 2])
  })

  it('serves emergencies before earlier callers and rings everyone free for them', () => {
    const plan = planDispatch({
      ...base,
      waiting: [
        call({ callSid: 'CAold', enqueuedAt: ago(60) }),
        call({ callSid: 'CAsos', priority: EMERGENCY_PRIORITY, emergency: true }),
      ],
      freeAgents: agents(1, 2, 3),
    })
    expect(plan.offers).toEqual([1, 2, 3].map((agentId) => ({ callSid: 'CAsos', agentId })))
  })

  it('offers a follow-up caller their first owner alone first', () => {
    expect(
      planDispatch({
        ...base,
        waiting: [call({ preferredAgentId: 3 })],
        freeAgents: agents(1, 2, 3),
      }).offers,
    ).toEqual([{ callSid: 'CA1', agentId: 3 }])
    expect(
      planDispatch({
        ...base,
        waiting: [call({ preferredAgentId: 3, triedAgentIds: [3] })],
        freeAgents: agents(1, 2, 3),
      }).offers.map((o) => o.agentId),
    ).toEqual([1, 2])
  })

  it('never offers one agent to two callers in the same pass', () => {
    const plan = planDispatch({
      ...base,
      waiting: [call({ callSid: 'A', enqueuedAt: ago(9) }), call({ callSid: 'B' })],
      freeAgents: agents(1, 2, 3),
    })
    expect(plan.offers).toEqual([
      { callSid: 'A', agentId: 1 },
      { callSid: 'A', agentId: 2 },
      { callSid: 'B', agentId: 3 },
    ])
  })

  it('sends a caller to voicemail past the longest wait', () => {
    expect(
      planDispatch({ ...base, waiting: [call({ enqueuedAt: ago(121) })], freeAgents: agents(1) }),
    ).toEqual({ offers: [], toVoicemail: ['CA1'] })
  })
})

describe('planDispatch for an emergency nobody available can take', () => {
  it('rings the duty supervisor, whatever their presence, unless they are engaged', () => {
    const sos = call({
      callSid: 'SOS',
      priority: EMERGENCY_PRIORITY,
      emergency: true,
      fallbackAgentId: 9,
    })
    expect(planDispatch({ ...base, waiting: [sos], freeAgents: [] }).offers).toEqual([
      { callSid: 'SOS', agentId: 9 },
    ])
    expect(
      planDispatch({ ...base, waiting: [sos], freeAgents: [], engagedAgentIds: [9] }).offers,
    ).toEqual([])
    expect(
      planDispatch({ ...base, waiting: [{ ...sos, liveOffers: 1 }], freeAgents: [] }).offers,
    ).toEqual([])
  })
  it('does not do so for an ordinary call', () => {
    expect(
      planDispatch({ ...base, waiting: [call({ fallbackAgentId: 9 })], freeAgents: [] }).offers,
    ).toEqual([])
  })
})

describe('a caller put back in the queue', () => {
  // The first owner (3) accepted the call 5 minutes ago; colleagues 1 and 2 were rung then too.
  const before = [
    { agentId: 1, offeredAt: ago(300) },
    { agentId: 2, offeredAt: ago(300) },
    { agentId: 3, offeredAt: ago(300) },
  ]

  it('counts only the agents rung since the caller last entered the queue', () => {
    expect(agentsTriedSince(before, ago(5))).toEqual([])
    expect(agentsTriedSince([...before, { agentId: 3, offeredAt: ago(2) }], ago(5))).toEqual([3])
    expect(agentsTriedSince(before, ago(300))).toEqual([1, 2, 3])
  })

  it('rings the first owner alone first, then the others', () => {
    const requeued = call({
      preferredAgentId: 3,
      enqueuedAt: ago(1),
      triedAgentIds: agentsTriedSince(before, ago(1)),
    })
    expect(
      planDispatch({ ...base, waiting: [requeued], freeAgents: agents(1, 2, 3) }).offers,
    ).toEqual([{ callSid: 'CA1', agentId: 3 }])
    const ownerRungOut = call({
      ...requeued,
      triedAgentIds: agentsTriedSince([...before, { agentId: 3, offeredAt: ago(0) }], ago(1)),
    })
    expect(
      planDispatch({ ...base, waiting: [ownerRungOut], freeAgents: agents(1, 2, 3) }).offers.map(
        (o) => o.agentId,
      ),
    ).toEqual([1, 2])
  })

  it('rings the first owner in after-call work for their own caller, and for nobody else', () => {
    const requeued = call({ preferredAgentId: 3, enqueuedAt: ago(1) })
    const stranger = call({ callSid: 'CA2', enqueuedAt: ago(30) })
    const plan = planDispatch({
      ...base,
      waiting: [stranger, requeued],
      freeAgents: agents(1, 2),
      wrappingUpAgentIds: [3],
    })
    expect(plan.offers).toEqual([
      { callSid: 'CA2', agentId: 1 },
      { callSid: 'CA2', agentId: 2 },
      { callSid: 'CA1', agentId: 3 },
    ])
    // Once rung out, the owner is left to their after-call work.
    const rungOut = call({ ...requeued, triedAgentIds: [3] })
    expect(
      planDispatch({ ...base, waiting: [rungOut], freeAgents: [], wrappingUpAgentIds: [3] }).offers,
    ).toEqual([])
  })
})
