import { findAgentByJobNumber } from '../../src/agents/agents.repository.ts'
import { reportWorkDone } from '../../src/callbacks/work-done.ts'
import { runDispatch } from '../../src/calls/dispatcher.ts'
import { answerAndPress, createdCalls, queuedCall } from './call-steps.ts'
import type { Harness } from './harness.ts'

/** A case owned by agent 1001 whose work was reported done; returns ids for the callback. */
export async function caseAwaitingConfirmation(h: Harness, from = '+8613800007777') {
  await h.ctx.db
    .updateTable('agents')
    .set({ presence: 'away' })
    .where('job_number', '!=', '1001')
    .execute()
  // Agent 1001 may still be "busy" from the previous case of the same test.
  await h.ctx.db
    .updateTable('agents')
    .set({ presence: 'available' })
    .where('job_number', '=', '1001')
    .execute()
  const sid = await queuedCall(h, '1', from)
  await runDispatch(h.ctx)
  await answerAndPress(
    h,
    createdCalls(h).find((r) => r.data['To'] === 'client:agent-1001'),
  )
  await h.twilioPost('/voice/status', { CallSid: sid, CallStatus: 'completed', CallDuration: '90' })
  const kase = await h.ctx.db
    .selectFrom('cases')
    .select(['id', 'reference'])
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow()
  const agent = await findAgentByJobNumber(h.ctx.db, '1001')
  if (!agent) throw new Error('demo agent 1001 missing')
  const { callbackId, dueAt } = await reportWorkDone(
    h.ctx,
    agent,
    kase.reference,
    'Replaced the kitchen tap washer',
  )
  h.edge.requests.length = 0
  return { caseId: kase.id, reference: kase.reference, callbackId, dueAt, agent }
}
