import { notifyAgent } from '../callbacks/notifications.ts'
import type { CallDeps } from '../calls/deps.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import { claimUnanswered, findEscalation } from './escalations.repository.ts'

/**
 * A deadline-sweep step: a question to the supervisor not answered in time goes to the managers
 * (the sources: escalate a level up). Once per question; questions on ended cases are left be.
 * The supervisor_answer clock's own breach tells the owner and the duty supervisor as any other.
 */
export async function escalateUnansweredQuestions(
  deps: Pick<CallDeps, 'db' | 'clock'>,
): Promise<number> {
  const at = deps.clock.now()
  const late = await claimUnanswered(deps.db, at)
  if (late.length === 0) return 0
  const managers = await deps.db
    .selectFrom('agents')
    .select('id')
    .where('role', '=', 'manager')
    .where('active', '=', true)
    .execute()
  for (const q of late) {
    const e = await findEscalation(deps.db, q.id)
    await appendCaseEvent(deps.db, {
      caseId: q.caseId,
      type: 'escalation_unanswered',
      actor: { kind: 'system' },
      at,
      data: { escalationId: q.id, dueAt: q.dueAt.toISOString() },
    })
    const body =
      `Case ${e?.reference ?? q.caseId}: agent ${e?.askedBy ?? '?'} asked the supervisor ` +
      `"${e?.question ?? ''}" and had no answer by ${q.dueAt.toISOString()}.`
    for (const m of managers) {
      await notifyAgent(deps, {
        agentId: m.id,
        caseId: q.caseId,
        kind: 'escalation_unanswered',
        body,
      })
    }
  }
  return late.length
}
