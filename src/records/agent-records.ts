import type { Agent } from '../agents/agents.repository.ts'
import { findAgentByJobNumber } from '../agents/agents.repository.ts'
import { notifyAgent } from '../callbacks/notifications.ts'
import type { Clock } from '../calls/deps.ts'
import { findCaseByReference } from '../cases/cases.repository.ts'
import type { Db } from '../db/database.ts'
import { AppError, NotFoundError } from '../errors.ts'
import type { AgentRecord, RecordKind } from './agent-records.repository.ts'
import { insertAgentRecord, listAgentRecords } from './agent-records.repository.ts'

interface Deps {
  db: Db
  clock: Clock
}

const SUPERVISING = ['supervisor', 'manager', 'admin']

async function agentOrThrow(db: Db, jobNumber: string) {
  const a = await findAgentByJobNumber(db, jobNumber)
  if (!a) throw new NotFoundError('agent', jobNumber)
  return a
}

/**
 * A supervisor records praise or a violation for an agent (the sources tie them to rewards and
 * penalties). The agent is told. Records are append-only: a mistake is answered by another one.
 */
export async function addAgentRecord(
  deps: Deps,
  by: Agent,
  jobNumber: string,
  r: { kind: RecordKind; caseReference: string | null; note: string },
): Promise<AgentRecord> {
  const agent = await agentOrThrow(deps.db, jobNumber)
  if (agent.id === by.id) {
    throw new AppError('forbidden', 'a record about yourself is made by another supervisor')
  }
  const kase = r.caseReference ? await findCaseByReference(deps.db, r.caseReference) : null
  if (r.caseReference && !kase) {
    throw new AppError('bad_request', `caseReference: no case ${r.caseReference}`)
  }
  const at = deps.clock.now()
  const id = await deps.db.transaction().execute(async (trx) => {
    const recordId = await insertAgentRecord(trx, {
      agentId: agent.id,
      kind: r.kind,
      caseId: kase?.id ?? null,
      note: r.note,
      by: by.id,
      at,
    })
    const what = r.kind === 'praise' ? 'Praise' : 'A violation'
    await notifyAgent(
      { db: trx, clock: deps.clock },
      {
        agentId: agent.id,
        caseId: kase?.id ?? null,
        kind: `record_${r.kind}`,
        body: `${what} was recorded for you by ${by.jobNumber}: ${r.note}`,
      },
    )
    return recordId
  })
  return {
    id,
    agent: agent.jobNumber,
    kind: r.kind,
    caseReference: kase?.reference ?? null,
    note: r.note,
    recordedBy: by.jobNumber,
    recordedAt: at,
  }
}

/** Supervisors and up read anyone's records; an agent reads their own. */
export async function agentRecords(
  deps: Deps,
  reader: Agent,
  jobNumber: string,
  range?: { from: Date; to: Date },
): Promise<AgentRecord[]> {
  if (!SUPERVISING.includes(reader.role) && reader.jobNumber !== jobNumber) {
    throw new AppError('forbidden', 'agents read only their own records')
  }
  const agent = await agentOrThrow(deps.db, jobNumber)
  return listAgentRecords(deps.db, agent.id, range)
}
