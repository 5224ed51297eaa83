import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

// The same five hints as migration 000900, written to a table instead of sent by NOTIFY. At its
// commit, a transaction that sent a NOTIFY takes one lock for the whole database and holds it
// until its commit record is flushed, so every busy transaction that changed a case, an offer, a
// call or a presence queued behind every other one; measured under a hotline day's load it was
// the largest group of lock waits. An insert into an unlogged table takes no such lock and
// writes no WAL; each instance with open console streams reads the new rows twice a second.
const HINTS = {
  case_event: `'t', 'case_event', 'caseId', new.case_id, 'type', new.type,
        'firstOwnerId', new.first_owner_id, 'actorAgentId', new.actor_agent_id`,
  notification: `'t', 'notification', 'agentId', new.agent_id, 'kind', new.kind`,
  offer: `'t', 'offer', 'offerId', new.id, 'agentId', new.agent_id, 'status', new.status`,
  presence: `'t', 'presence', 'agentId', new.id, 'presence', new.presence`,
  call: `'t', 'call', 'queueState', new.queue_state`,
}
const CONDITION: Partial<Record<keyof typeof HINTS, string>> = {
  presence: 'new.presence is distinct from old.presence',
  call: `new.kind = 'caller' and (tg_op = 'INSERT' or new.queue_state is distinct from old.queue_state)`,
}
const FUNCTION: Record<keyof typeof HINTS, string> = {
  case_event: 'shouwen_live_case_event',
  notification: 'shouwen_live_notification',
  offer: 'shouwen_live_offer',
  presence: 'shouwen_live_presence',
  call: 'shouwen_live_call',
}

/** The trigger functions' bodies, sending each hint with `send` (an insert or a pg_notify). */
async function defineHints(db: Kysely<any>, send: (fields: string) => string): Promise<void> {
  for (const key of Object.keys(HINTS) as (keyof typeof HINTS)[]) {
    const statement = send(HINTS[key])
    const cond = CONDITION[key]
    const body = cond ? `if ${cond} then ${statement}; end if;` : `${statement};`
    await sql
      .raw(
        `create or replace function ${FUNCTION[key]}() returns trigger language plpgsql as $$
        begin ${body} return null; end $$`,
      )
      .execute(db)
  }
}

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Hints are worth seconds: unlogged (a crash empties the table, nothing else is lost), and
    -- trimmed by the live-hints-trim duty. Ids come from one sequence, in order of insert; an
    -- earlier id can commit later, which the readers allow for (src/live/hint-cursor.ts). The
    -- sequence is logged, so that after a crash ids go on upwards and readers' cursors hold.
    create sequence live_hints_id;
    create unlogged table live_hints (
      id bigint primary key default nextval('live_hints_id'),
      at timestamptz not null default clock_timestamp(),
      hint jsonb not null
    );
    create index live_hints_at on live_hints (at);
  `.execute(db)
  await defineHints(
    db,
    (fields) => `insert into live_hints (hint) values (jsonb_build_object(${fields}))`,
  )
}

export async function down(db: Kysely<any>): Promise<void> {
  await defineHints(
    db,
    (fields) => `perform pg_notify('shouwen_live', json_build_object(${fields})::text)`,
  )
  await sql`drop table live_hints; drop sequence live_hints_id`.execute(db)
}
