import { sql } from 'kysely'

import { compiledOnce } from '../db/compiled-query.ts'
import type { Db } from '../db/database.ts'

export type CaseEventType =
  | 'case_opened'
  | 'call_queued'
  | 'follow_up_call'
  | 'first_owner_claimed'
  | 'first_owner_assigned'
  | 'call_answered'
  | 'call_abandoned'
  | 'voicemail_offered'
  | 'voicemail_left'
  | 'return_call_needed'
  | 'case_updated'
  | 'agent_dropped'
  | 'work_done'
  | 'confirmation_scheduled'
  | 'callback_attempt'
  | 'callback_retry_scheduled'
  | 'callback_exhausted'
  | 'confirmation_sms_sent'
  | 'case_closed_by_caller'
  | 'case_closed_by_override'
  | 'rework'
  | 'satisfaction_rated'
  | 'limit_warning'
  | 'limit_breached'
  | 'manager_agenda'
  | 'emergency_reported'
  | 'return_call_made'
  | 'reply_promised'
  | 'transfer_started'
  | 'transfer_ringing'
  | 'transfer_answered'
  | 'transfer_accepted'
  | 'transfer_bridged'
  | 'transfer_failed'
  | 'transfer_cancelled'
  | 'transfer_caller_gone'
  | 'transfer_completed'
  | 'transfer_agent_left'
  | 'assigned_to_department'
  | 'department_callback_scheduled'
  | 'department_contact_sent'
  | 'notice_sent'
  | 'notice_resent'
  | 'referred_external'
  | 'call_requeued'
  | 'note_added'
  | 'decline_requested'
  | 'case_declined'
  | 'decline_refused'
  | 'department_answered'
  // issue 10 part 3: severity variants and staff intake
  | 'resolution_replanned'
  | 'decline_sms_sent'
  | 'escalation_asked'
  | 'escalation_answered'
  | 'escalation_unanswered'
  // issue 10 point 6: extensions only with a manager's approval
  | 'extension_requested'
  | 'extension_approved'
  | 'extension_refused'
  // issue 13: the owner calls the caller back from the console's softphone
  | 'softphone_call_placed'
  | 'softphone_call_ended'
  // issue 13: call recording
  | 'call_recorded'
  | 'recording_failed'

export type Actor =
  | { kind: 'agent'; agentId: number }
  | { kind: 'caller' }
  | { kind: 'system' }
  | { kind: 'department' }

export interface CaseEvent {
  id: string
  caseId: string
  type: string
  actorKind: Actor['kind']
  actorAgentId: number | null
  firstOwnerId: number | null
  callSid: string | null
  data: Record<string, unknown>
  occurredAt: Date
}

/**
 * Appends one event. The case's first owner at that moment is copied onto the event, so the
 * trail shows who was accountable at every step without joining history.
 */
export async function appendCaseEvent(
  db: Db,
  e: {
    caseId: string
    type: CaseEventType
    actor: Actor
    at: Date
    callSid?: string | null
    data?: Record<string, unknown>
  },
): Promise<void> {
  await insertEvent.execute(db, {
    caseId: e.caseId,
    type: e.type,
    actorKind: e.actor.kind,
    agentId: e.actor.kind === 'agent' ? e.actor.agentId : null,
    callSid: e.callSid ?? null,
    data: JSON.stringify(e.data ?? {}),
    at: e.at,
  })
}

// On most webhooks: built once (compiled-query.ts).
const insertEvent = compiledOnce<
  {
    caseId: string
    type: CaseEventType
    actorKind: Actor['kind']
    agentId: number | null
    callSid: string | null
    data: string
    at: Date
  },
  never
>((db, p) =>
  db
    .insertInto('case_events')
    .columns([
      'case_id',
      'type',
      'actor_kind',
      'actor_agent_id',
      'first_owner_id',
      'call_sid',
      'data',
      'occurred_at',
    ])
    .expression((eb) =>
      eb
        .selectFrom('cases')
        .select([
          'cases.id',
          sql<string>`${p('type')}::text`.as('type'),
          sql<string>`${p('actorKind')}::text`.as('actor_kind'),
          sql<number | null>`${p('agentId')}::int`.as('a'),
          'cases.first_owner_id',
          sql<string | null>`${p('callSid')}::text`.as('c'),
          sql<string>`${p('data')}::jsonb`.as('d'),
          sql<Date>`${p('at')}::timestamptz`.as('t'),
        ])
        .where('cases.id', '=', p('caseId')),
    ),
)

export async function listCaseEvents(db: Db, caseId: string): Promise<CaseEvent[]> {
  const rows = await db
    .selectFrom('case_events')
    .selectAll()
    .where('case_id', '=', caseId)
    .orderBy('id')
    .execute()
  return rows.map((r) => ({
    id: r.id,
    caseId: r.case_id,
    type: r.type,
    actorKind: r.actor_kind,
    actorAgentId: r.actor_agent_id,
    firstOwnerId: r.first_owner_id,
    callSid: r.call_sid,
    data: r.data,
    occurredAt: r.occurred_at,
  }))
}
