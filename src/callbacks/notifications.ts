import type { CallDeps } from '../calls/deps.ts'

/**
 * A notice to an agent: kept in Postgres and readable through the API. (SMS delivery to agents
 * is a later step; the row is what supervisors' screens read.)
 */
export async function notifyAgent(
  deps: Pick<CallDeps, 'db' | 'clock'>,
  n: { agentId: number; caseId: string | null; kind: string; body: string },
): Promise<void> {
  await deps.db
    .insertInto('notifications')
    .values({
      agent_id: n.agentId,
      case_id: n.caseId,
      kind: n.kind,
      body: n.body,
      created_at: deps.clock.now(),
      read_at: null,
    })
    .execute()
}
