import { sql } from 'kysely'

import type { CaseEventType } from '../cases/case-events.repository.ts'
import type { Db } from '../db/database.ts'
import type { CaseStatus } from '../domain/case-status.ts'
import type { Callback, CallbackPurpose } from './callbacks.repository.ts'
import { toCallback } from './callbacks.repository.ts'

/**
 * The two statements of a batch of return calls: lock what is due (with what deciding whom to
 * ring needs), then write the claims. A burst of thousands due at once costs a few statements
 * per batch instead of several per call. One at a time, the same reads and writes are
 * findCaseById and findAgentById, then claim, appendCaseEvent and finishStep.
 */

/** What deciding whom a callback rings needs to know about its case. */
export interface DialContext {
  status: CaseStatus
  hotlineNumber: string | null
  callerNumber: string | null
  owner: { clientIdentity: string | null; phoneNumber: string | null } | null
  /** A department callback's first on-duty person, by rank; null when nobody is on duty. */
  departmentPerson: { clientIdentity: string | null; phoneNumber: string | null } | null
}

export interface LockedCallback {
  cb: Callback
  /** The job's own callback, as opposed to one taken along. */
  own: boolean
  /** Undefined when the case is gone. */
  context: DialContext | undefined
}

interface LockedRow {
  id: string
  case_id: string
  purpose: CallbackPurpose
  attempt: number
  due_at: Date
  status: Callback['status']
  max_attempts: number
  last_attempt_at: Date | null
  deadline_at: Date | null
  created_at: Date
  own: boolean
  case_status: CaseStatus | null
  hotline_number: string | null
  caller_number: string | null
  owner_id: number | null
  owner_client_identity: string | null
  owner_phone_number: string | null
  dept_client_identity: string | null
  dept_phone_number: string | null
}

/**
 * Locks the job's own callback and up to `limit` others due by `dueBy`, in one statement. Rows
 * another transaction holds are skipped, never waited for, the own one included (the caller
 * sees it missing): two workers draining one burst take disjoint sets, cannot deadlock, and no
 * job sits in a worker's concurrency waiting for another's claim to commit. Newest due first:
 * the oldest are the ones whose jobs fire first and claim themselves, so a batch taken from
 * the other end of a burst collides with them less. Columns come from the locking selects
 * themselves, which see a row as a concurrent claim left it; the joined case is as of the
 * statement's start, as a read before the claim always was.
 */
export async function lockDueForDial(
  db: Db,
  o: {
    ownId: string
    others: { dueBy: Date; limit: number }
    purposes: readonly CallbackPurpose[]
  },
): Promise<LockedCallback[]> {
  const columns = sql.raw(
    'id, case_id, purpose, attempt, due_at, status, max_attempts, last_attempt_at, deadline_at, created_at, department_id',
  )
  const r = await sql<LockedRow>`
    with own as materialized (
      select ${columns} from callbacks where id = ${o.ownId} for update skip locked
    ), others as materialized (
      select ${columns} from callbacks
      where status = 'pending' and due_at <= ${o.others.dueBy}
        and purpose = any(${o.purposes}::text[]) and id <> ${o.ownId}
      order by due_at desc
      limit ${o.others.limit}
      for update skip locked
    ), locked as (
      select *, true as own from own union all select *, false as own from others
    )
    select l.*, k.status as case_status, k.hotline_number, p.phone_number as caller_number,
      a.id as owner_id, a.client_identity as owner_client_identity,
      a.phone_number as owner_phone_number,
      dp.client_identity as dept_client_identity, dp.phone_number as dept_phone_number
    from locked l
    left join cases k on k.id = l.case_id
    left join callers p on p.id = k.caller_id
    left join agents a on a.id = k.first_owner_id
    left join lateral (
      select q.client_identity, q.phone_number from department_people q
      join departments d on d.id = q.department_id and d.active
      where q.department_id = l.department_id and q.on_duty and q.active
      order by q.rank, q.id limit 1
    ) dp on true
  `.execute(db)
  return r.rows.map((row) => ({
    cb: toCallback(row),
    own: row.own,
    context:
      row.case_status === null
        ? undefined
        : {
            status: row.case_status,
            hotlineNumber: row.hotline_number,
            callerNumber: row.caller_number,
            owner:
              row.owner_id === null
                ? null
                : {
                    clientIdentity: row.owner_client_identity,
                    phoneNumber: row.owner_phone_number,
                  },
            departmentPerson:
              row.dept_client_identity === null && row.dept_phone_number === null
                ? null
                : {
                    clientIdentity: row.dept_client_identity,
                    phoneNumber: row.dept_phone_number,
                  },
          },
  }))
}

/**
 * For callbacks this transaction has locked: the ones to dial go pending → dialing for their
 * next attempt, with the attempt's row, a case event (the first owner at this moment copied on,
 * as appendCaseEvent does) and, for a confirmation, the stop of the confirmation-call limit
 * (the return call has started, which is what that limit measures). The ones whose case no
 * longer needs a call are cancelled with their reason. Returns the attempts claimed.
 */
export async function writeClaims(
  db: Db,
  o: { dial: readonly string[]; cancel: readonly { id: string; outcome: string }[]; at: Date },
): Promise<{ id: string; attempt: number }[]> {
  if (!o.dial.length && !o.cancel.length) return []
  const event: CaseEventType = 'callback_attempt'
  const r = await sql<{ id: string; attempt: number }>`
    with cancelled as (
      update callbacks c set status = 'cancelled', outcome = v.outcome, updated_at = ${o.at}
      from unnest(${o.cancel.map((x) => x.id)}::bigint[], ${o.cancel.map((x) => x.outcome)}::text[])
        as v(id, outcome)
      where c.id = v.id and c.status = 'pending'
    ), claimed as (
      update callbacks
      set status = 'dialing', attempt = attempt + 1, last_attempt_at = ${o.at}, updated_at = ${o.at}
      where id = any(${o.dial}::bigint[]) and status = 'pending'
      returning id, case_id, purpose, attempt
    ), attempts as (
      insert into callback_attempts (callback_id, case_id, attempt, started_at)
      select id, case_id, attempt, ${o.at} from claimed
    ), events as (
      insert into case_events (case_id, type, actor_kind, first_owner_id, data, occurred_at)
      select k.id, ${event}, 'system', k.first_owner_id,
        jsonb_build_object('callbackId', c.id::text, 'purpose', c.purpose, 'attempt', c.attempt),
        ${o.at}
      from claimed c join cases k on k.id = c.case_id
    ), clocks as (
      update case_deadlines set done_at = ${o.at}, ended_at = ${o.at},
        outcome = case when due_at >= ${o.at} then 'met' else 'missed' end
      where case_id in (select case_id from claimed where purpose = 'confirmation')
        and step = 'confirmation_call' and outcome = 'open'
    )
    select id::text as id, attempt from claimed
  `.execute(db)
  return r.rows
}
