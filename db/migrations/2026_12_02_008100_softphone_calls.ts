import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- A call an agent places from the console's softphone (the TwiML App's voice URL): the
    -- agent's browser leg, keyed on its CallSid, dialled out to the case's caller or contact.
    alter table calls drop constraint calls_kind_check;
    alter table calls add constraint calls_kind_check
      check (kind in ('caller', 'agent_offer', 'department', 'callback', 'softphone'));
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    delete from calls where kind = 'softphone';
    alter table calls drop constraint calls_kind_check;
    alter table calls add constraint calls_kind_check
      check (kind in ('caller', 'agent_offer', 'department', 'callback'));
  `.execute(db)
}
