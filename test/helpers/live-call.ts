import { randomBytes } from 'node:crypto'

import request from 'supertest'

import { runDispatch } from '../../src/calls/dispatcher.ts'
import { DEMO_PASSWORD } from '../../src/db/demo-data.ts'
import { answerAndPress, createdCalls, legSidOf, legStatus, queuedCall } from './call-steps.ts'
import type { RecordedRequest } from './fake-twilio-edge.ts'
import type { Harness } from './harness.ts'
import { pathOf } from './harness.ts'

/** A caller in conversation with agent 1001 (their first owner), as Twilio would report it. */
export interface LiveCall {
  callerSid: string
  agentLegSid: string
  conferenceSid: string
  conferenceName: string
  reference: string
  auth: { Authorization: string }
  /** Posts a conference status callback for this call's conference. */
  conference(event: string, callSid?: string): Promise<unknown>
}

export async function login(h: Harness, job: string): Promise<{ Authorization: string }> {
  const r = await request(h.app)
    .post('/api/auth/login')
    .send({ jobNumber: job, password: DEMO_PASSWORD })
  return { Authorization: `Bearer ${r.body.token as string}` }
}

let sequence = 0

export async function liveCall(h: Harness, opts: { from?: string; key?: string } = {}) {
  await h.ctx.db
    .updateTable('agents')
    .set({ presence: 'away' })
    .where('job_number', '!=', '1001')
    .execute()
  const callerSid = await queuedCall(h, opts.key ?? '1', opts.from ?? '+8613900001234')
  await runDispatch(h.ctx)
  const offer = createdCalls(h).find((c) => c.data['To'] === 'client:agent-1001')
  await legStatus(h, offer, 'ringing', 1)
  await answerAndPress(h, offer)
  await legStatus(h, offer, 'in-progress', 2)
  const agentLegSid = legSidOf(offer)
  const conferenceSid = `CF${randomBytes(16).toString('hex')}`
  const conferenceName = `call-${callerSid}`
  const conference = (event: string, callSid?: string) =>
    h.twilioPost('/voice/conference-status', {
      ConferenceSid: conferenceSid,
      FriendlyName: conferenceName,
      StatusCallbackEvent: event,
      SequenceNumber: String(++sequence),
      ...(callSid && { CallSid: callSid }),
    })
  await conference('participant-join', callerSid)
  await conference('participant-join', agentLegSid)
  await conference('conference-start', agentLegSid)
  const { reference } = await h.ctx.db
    .selectFrom('cases')
    .select('reference')
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow()
  const live: LiveCall = {
    callerSid,
    agentLegSid,
    conferenceSid,
    conferenceName,
    reference,
    auth: await login(h, '1001'),
    conference,
  }
  return live
}

/** Requests to Twilio since `from`, by operation. */
export function requestsSince(h: Harness, from: number, op?: string): RecordedRequest[] {
  return h.edge.requests.slice(from).filter((r) => op === undefined || r.operationId === op)
}

/** Posts a status callback for a leg we created, by its CreateCall request. */
export function statusOf(
  h: Harness,
  create: RecordedRequest | undefined,
  status: string,
  seq: number,
) {
  return h.twilioPost(pathOf(String(create?.data['StatusCallback'])), {
    CallSid: legSidOf(create),
    CallStatus: status,
    SequenceNumber: String(seq),
  })
}
