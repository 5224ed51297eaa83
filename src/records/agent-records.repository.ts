import { sql } from 'kysely'

import type { Db } from '../db/database.ts'

export type RecordKind = 'praise' | 'violation'

export interface AgentRecord {
  id: string
  agent: string
  kind: RecordKind
  caseReference: string | null
  note: string
  recordedBy: string
  recordedAt: Date
}

export async function insertAgentRecord(
  db: Db,
  r: {
    agentId: number
    kind: RecordKind
    caseId: string | null
    note: string
    by: number
    at: Date
  },
): Promise<string> {
  const row = await db
    .insertInto('agent_records')
    .values({
      agent_id: r.agentId,
      kind: r.kind,
      case_id: r.caseId,
      note: r.note,
      recorded_by: r.by,
      recorded_at: r.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

/** One agent's records, newest first; within [from, to) when given. */
export async function listAgentRecords(
  db: Db,
  agentId: number,
  range?: { from: Date; to: Date },
): Promise<AgentRecord[]> {
  let q = db
    .selectFrom('agent_records as r')
    .innerJoin('agents as a', 'a.id', 'r.agent_id')
    .innerJoin('agents as b', 'b.id', 'r.recorded_by')
    .leftJoin('cases as k', 'k.id', 'r.case_id')
    .select([
      'r.id',
      'a.job_number as agent',
      'r.kind',
      'k.reference',
      'r.note',
      'b.job_number as by',
      'r.recorded_at',
    ])
    .where('r.agent_id', '=', agentId)
  if (range) q = q.where('r.recorded_at', '>=', range.from).where('r.recorded_at', '<', range.to)
  const rows = await q.orderBy('r.id', 'desc').execute()
  return rows.map((r) => ({
    id: r.id,
    agent: r.agent,
    kind: r.kind,
    caseReference: r.reference,
    note: r.note,
    recordedBy: r.by,
    recordedAt: r.recorded_at,
  }))
}

/** Per agent: praise and violations in [from, to); every active agent, and anyone with a record. */
export async function countRecordsByAgent(
  db: Db,
  range: { from: Date; to: Date },
): Promise<{ jobNumber: string; name: string; praise: number; violation: number }[]> {
  const count = (kind: RecordKind) =>
    sql<number>`count(r.id) filter (where r.kind = ${kind})::int`.as(kind)
  const rows = await db
    .selectFrom('agents as a')
    .leftJoin('agent_records as r', (j) =>
      j
        .onRef('r.agent_id', '=', 'a.id')
        .on('r.recorded_at', '>=', range.from)
        .on('r.recorded_at', '<', range.to),
    )
    .select(['a.job_number', 'a.name', count('praise'), count('violation')])
    .groupBy(['a.id', 'a.job_number', 'a.name', 'a.active'])
    .having((eb) => eb.or([eb('a.active', '=', true), eb(eb.fn.count('r.id'), '>', 0)]))
    .orderBy('a.job_number')
    .execute()
  return rows.map((r) => ({
    jobNumber: r.job_number,
    name: r.name,
    praise: r.praise,
    violation: r.violation,
  }))
}
