import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table agents
      -- After-call work (话后整理): the agent's call ended and they stay 'busy' until this time,
      -- then count as available. Held here, not in a timer, so a restart or a wiped Redis
      -- cannot leave an agent busy for ever; the dispatcher flips due rows on its beat.
      add column wrap_up_until timestamptz;
    create index agents_wrap_up_until_idx on agents (wrap_up_until)
      where wrap_up_until is not null;

    -- A wrap-up starting changes no presence, yet the agent's screen must show it: hint on
    -- either column.
    create or replace function shouwen_live_presence() returns trigger language plpgsql as $$
    begin
      if new.presence is distinct from old.presence
        or new.wrap_up_until is distinct from old.wrap_up_until then
        perform pg_notify('shouwen_live', json_build_object(
          't', 'presence', 'agentId', new.id, 'presence', new.presence)::text);
      end if;
      return null;
    end $$;
    drop trigger agents_live on agents;
    create trigger agents_live after update of presence, wrap_up_until on agents
      for each row execute function shouwen_live_presence();
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    create or replace function shouwen_live_presence() returns trigger language plpgsql as $$
    begin
      if new.presence is distinct from old.presence then
        perform pg_notify('shouwen_live', json_build_object(
          't', 'presence', 'agentId', new.id, 'presence', new.presence)::text);
      end if;
      return null;
    end $$;
    drop trigger agents_live on agents;
    create trigger agents_live after update of presence on agents
      for each row execute function shouwen_live_presence();
    drop index if exists agents_wrap_up_until_idx;
    alter table agents drop column if exists wrap_up_until;
  `.execute(db)
}
