import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- A bridged transfer ends too: 'completed' once the caller, the department or the conference
    -- is gone, with ended_at, so a bridged row is never left open for ever.
    alter table transfers drop constraint transfers_status_check;
    alter table transfers add constraint transfers_status_check check (status in (
      'dialing', 'ringing', 'briefing', 'consulting', 'bridged', 'declined', 'no_answer',
      'busy', 'failed', 'cancelled', 'caller_gone', 'completed'));

    -- What an inbound SMS was answered with, so Twilio's retry of the same MessageSid gets the
    -- same reply rather than one computed afresh against a case the first delivery changed.
    alter table sms_messages add column reply_outcome text
      check (reply_outcome in ('closed', 'reopened', 'not_understood', 'no_case'));
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    alter table sms_messages drop column if exists reply_outcome;
    update transfers set status = 'bridged' where status = 'completed';
    alter table transfers drop constraint transfers_status_check;
    alter table transfers add constraint transfers_status_check check (status in (
      'dialing', 'ringing', 'briefing', 'consulting', 'bridged', 'declined', 'no_answer',
      'busy', 'failed', 'cancelled', 'caller_gone'));
  `.execute(db)
}
