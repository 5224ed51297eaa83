import type { Insertable, Selectable } from 'kysely'
import { sql } from 'kysely'

import { compiledOnce } from '../db/compiled-query.ts'
import type { Db } from '../db/database.ts'
import type { TransfersTable, TransferStatus } from '../db/schema.ts'

export type { TransferStatus }

/** A transfer still under way: the caller is held or about to be. */
export const LIVE_TRANSFER: readonly TransferStatus[] = [
  'dialing',
  'ringing',
  'briefing',
  'consulting',
]

export interface Transfer {
  id: string
  caseId: string
  callSid: string
  mode: 'warm' | 'cold'
  departmentId: number
  personId: number | null
  legCallSid: string | null
  requestedBy: number
  firstOwnerId: number | null
  agentLegSid: string | null
  agentLeftAt: Date | null
  note: string | null
  status: TransferStatus
  createdAt: Date
  answeredAt: Date | null
  acceptedAt: Date | null
  bridgedAt: Date | null
  endedAt: Date | null
}

function toTransfer(r: Selectable<TransfersTable>): Transfer {
  return {
    id: r.id,
    caseId: r.case_id,
    callSid: r.call_sid,
    mode: r.mode,
    departmentId: r.department_id,
    personId: r.person_id,
    legCallSid: r.leg_call_sid,
    requestedBy: r.requested_by,
    firstOwnerId: r.first_owner_id,
    agentLegSid: r.agent_leg_sid,
    agentLeftAt: r.agent_left_at,
    note: r.note,
    status: r.status,
    createdAt: r.created_at,
    answeredAt: r.answered_at,
    acceptedAt: r.accepted_at,
    bridgedAt: r.bridged_at,
    endedAt: r.ended_at,
  }
}

/** False when another transfer of the same call is still live (the partial unique index). */
export async function insertTransfer(db: Db, t: Insertable<TransfersTable>): Promise<boolean> {
  const r = await db
    .insertInto('transfers')
    .values(t)
    // The index's predicate in literals, as ON CONFLICT needs for a prepared statement (see
    // openCallbackOf in callbacks.repository.ts).
    .onConflict((oc) =>
      oc
        .column('call_sid')
        .where(
          'status',
          'in',
          LIVE_TRANSFER.map((s) => sql.lit(s)),
        )
        .doNothing(),
    )
    .executeTakeFirst()
  return (r.numInsertedOrUpdatedRows ?? 0n) === 1n
}

export async function findTransfer(
  db: Db,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<Transfer | undefined> {
  let q = db.selectFrom('transfers').selectAll().where('id', '=', id)
  if (opts.forUpdate) q = q.forUpdate()
  const r = await q.executeTakeFirst()
  return r && toTransfer(r)
}

export async function findLiveTransferOfCall(
  db: Db,
  callSid: string,
): Promise<Transfer | undefined> {
  const r = await db
    .selectFrom('transfers')
    .selectAll()
    .where('call_sid', '=', callSid)
    .where('status', 'in', [...LIVE_TRANSFER])
    .executeTakeFirst()
  return r && toTransfer(r)
}

/** Transfers that involve this leg: as the department's leg or as the requesting agent's. */
// On every agent's and department's leg status: built once (compiled-query.ts).
const selectTransfersOfLeg = compiledOnce<{ legSid: string }, Selectable<TransfersTable>>((db, p) =>
  db
    .selectFrom('transfers')
    .selectAll()
    .where((eb) =>
      eb.or([eb('leg_call_sid', '=', p('legSid')), eb('agent_leg_sid', '=', p('legSid'))]),
    )
    .orderBy('created_at'),
)

export async function findTransfersOfLeg(db: Db, legSid: string): Promise<Transfer[]> {
  const { rows } = await selectTransfersOfLeg.execute(db, { legSid })
  return rows.map(toTransfer)
}

export async function listTransfersOfCase(db: Db, caseId: string): Promise<Transfer[]> {
  const rows = await db
    .selectFrom('transfers')
    .selectAll()
    .where('case_id', '=', caseId)
    .orderBy('created_at')
    .execute()
  return rows.map(toTransfer)
}

/** People of a department already rung on this call: "try the next one" skips them. */
export async function peopleTriedOnCall(
  db: Db,
  callSid: string,
  departmentId: number,
): Promise<number[]> {
  const rows = await db
    .selectFrom('transfers')
    .select('person_id')
    .where('call_sid', '=', callSid)
    .where('department_id', '=', departmentId)
    .where('person_id', 'is not', null)
    .execute()
  return rows.map((r) => r.person_id).filter((p): p is number => p !== null)
}

/** Moves a transfer forward only from the states given: the guard against retries and races. */
export async function moveTransfer(
  db: Db,
  id: string,
  from: readonly TransferStatus[],
  to: TransferStatus,
  at: Date,
): Promise<boolean> {
  const stamp =
    to === 'briefing'
      ? { answered_at: at }
      : to === 'consulting'
        ? { accepted_at: at }
        : to === 'bridged'
          ? { bridged_at: at }
          : LIVE_TRANSFER.includes(to)
            ? {}
            : { ended_at: at }
  const r = await db
    .updateTable('transfers')
    .set({ status: to, ...stamp })
    .where('id', '=', id)
    .where('status', 'in', [...from])
    .executeTakeFirst()
  return r.numUpdatedRows === 1n
}

export async function setTransferLeg(db: Db, id: string, legSid: string): Promise<void> {
  await db
    .updateTable('transfers')
    .set({ leg_call_sid: legSid })
    .where('id', '=', id)
    .where('leg_call_sid', 'is', null)
    .execute()
}

/** The requesting agent left the conference. True the first time only. */
export async function markAgentLeft(db: Db, id: string, at: Date): Promise<boolean> {
  const r = await db
    .updateTable('transfers')
    .set({ agent_left_at: at })
    .where('id', '=', id)
    .where('agent_left_at', 'is', null)
    .executeTakeFirst()
  return r.numUpdatedRows === 1n
}
