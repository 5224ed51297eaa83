import type { Agent } from '../agents/agents.repository.ts'
import type { Clock } from '../calls/deps.ts'
import type { Db } from '../db/database.ts'
import { appendCaseEvent } from './case-events.repository.ts'
import { caseToWorkOn, onBehalfData } from './update-case.ts'

/**
 * A free-text note on the case's timeline, by anyone who may work on it. Notes change nothing
 * else, so a closed case takes them too (what happened after, a caller's later word).
 */
export async function addCaseNote(
  deps: { db: Db; clock: Clock },
  agent: Agent,
  reference: string,
  text: string,
): Promise<{ reference: string; text: string; by: string; at: Date }> {
  const kase = await caseToWorkOn(deps.db, agent, reference)
  const at = deps.clock.now()
  await appendCaseEvent(deps.db, {
    caseId: kase.id,
    type: 'note_added',
    actor: { kind: 'agent', agentId: agent.id },
    at,
    data: onBehalfData(agent, kase, { text }),
  })
  return { reference, text, by: agent.jobNumber, at }
}
