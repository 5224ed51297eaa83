import { randomUUID } from 'node:crypto'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createLogger } from '../../src/logger.ts'
import type { Harness } from '../helpers/harness.ts'
import { callSid, createHarness } from '../helpers/harness.ts'
import { allText, find, parseTwiml, verbs } from '../helpers/twiml.ts'

interface LogLine {
  level: number
  msg: string
  [k: string]: unknown
}

const WARN_LEVEL = 40

/**
 * Signed webhooks naming an offer or transfer we do not know (deleted, or from before a restore):
 * Twilio gets a 200 with valid TwiML, the log a warning without a stack, and nothing changes.
 */
describe('webhooks naming an unknown offer or transfer', () => {
  let h: Harness
  const lines: LogLine[] = []
  const logger = createLogger({
    level: 'debug',
    destination: { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) },
  })
  beforeAll(async () => {
    h = await createHarness({ logger })
  })
  afterAll(async () => {
    h.edge.assertAllValid()
    await h.close()
  })

  async function post(path: string, params: Record<string, string>) {
    const from = lines.length
    const before = await tableCounts()
    const res = await h.twilioPost(path, params)
    const logged = lines.slice(from).filter((l) => l.level >= WARN_LEVEL)
    expect(res.status, path).toBe(200)
    expect(res.type).toBe('text/xml')
    expect(logged.map((l) => l.level)).toEqual([WARN_LEVEL])
    expect(JSON.stringify(logged)).not.toContain('"stack"')
    expect(await tableCounts()).toEqual(before)
    expect(h.edge.requests).toEqual([])
    return parseTwiml(res.text)
  }
  async function tableCounts() {
    const count = async (t: 'calls' | 'agent_offers' | 'transfers' | 'case_events') =>
      Number(
        (
          await h.ctx.db
            .selectFrom(t)
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      )
    return {
      calls: await count('calls'),
      offers: await count('agent_offers'),
      transfers: await count('transfers'),
      events: await count('case_events'),
    }
  }

  const offer = randomUUID()
  const transfer = randomUUID()
  const leg = { CallSid: callSid() }
  const status = { CallSid: callSid(), CallStatus: 'completed', SequenceNumber: '3' }

  it('tells an agent leg politely that the call has ended, and hangs up', async () => {
    for (const path of [
      `/voice/agent/answer?offer=${offer}`,
      `/voice/agent/accept?offer=${offer}`,
      `/voice/agent/released?offer=${offer}&reason=taken`,
    ]) {
      const twiml = await post(path, { ...leg, Digits: '1' })
      expect(verbs(twiml), path).toEqual(['Say', 'Hangup'])
      expect(allText(twiml)).toContain('此来电已结束')
    }
  })

  it('tells a department leg the transfer has ended, and hangs up', async () => {
    for (const path of [
      `/voice/transfer/answer?t=${transfer}`,
      `/voice/transfer/accept?t=${transfer}`,
    ]) {
      const twiml = await post(path, { ...leg, Digits: '1' })
      expect(verbs(twiml), path).toEqual(['Say', 'Hangup'])
      expect(allText(twiml)).toContain('该转办已结束')
    }
  })

  it('keeps a held caller on hold music and skips an announcement', async () => {
    const hold = await post(`/voice/transfer/hold?t=${transfer}`, leg)
    expect(verbs(hold)).toEqual(['Say', 'Play'])
    expect(find(hold, 'Hangup')).toBeUndefined()
    const announce = await post(
      `/voice/transfer/announce?t=${transfer}&who=caller&why=no_answer`,
      leg,
    )
    expect(verbs(announce)).toEqual([])
  })

  it('accepts status callbacks for them with an empty answer', async () => {
    for (const path of [
      `/voice/agent/status?offer=${offer}`,
      `/voice/transfer/status?t=${transfer}`,
    ]) {
      const twiml = await post(path, status)
      expect(verbs(twiml), path).toEqual([])
    }
    // A leg's progress (initiated, ringing, answered) takes a shorter path than its end.
    for (const CallStatus of ['initiated', 'ringing', 'in-progress']) {
      const twiml = await post(`/voice/agent/status?offer=${offer}`, { ...status, CallStatus })
      expect(verbs(twiml), CallStatus).toEqual([])
    }
  })
})
