import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- The console's live updates: each change that a screen shows sends a small hint on
    -- channel shouwen_live when its transaction commits (NOTIFY is transactional), to every
    -- instance; browsers then fetch what changed. Hints carry ids, never phone numbers.
    create function shouwen_live_case_event() returns trigger language plpgsql as $$
    begin
      perform pg_notify('shouwen_live', json_build_object(
        't', 'case_event', 'caseId', new.case_id, 'type', new.type,
        'firstOwnerId', new.first_owner_id, 'actorAgentId', new.actor_agent_id)::text);
      return null;
    end $$;
    create trigger case_events_live after insert on case_events
      for each row execute function shouwen_live_case_event();

    create function shouwen_live_notification() returns trigger language plpgsql as $$
    begin
      perform pg_notify('shouwen_live', json_build_object(
        't', 'notification', 'agentId', new.agent_id, 'kind', new.kind)::text);
      return null;
    end $$;
    create trigger notifications_live after insert on notifications
      for each row execute function shouwen_live_notification();

    create function shouwen_live_offer() returns trigger language plpgsql as $$
    begin
      perform pg_notify('shouwen_live', json_build_object(
        't', 'offer', 'offerId', new.id, 'agentId', new.agent_id, 'status', new.status)::text);
      return null;
    end $$;
    create trigger agent_offers_live after insert or update of status on agent_offers
      for each row execute function shouwen_live_offer();

    create function shouwen_live_presence() returns trigger language plpgsql as $$
    begin
      if new.presence is distinct from old.presence then
        perform pg_notify('shouwen_live', json_build_object(
          't', 'presence', 'agentId', new.id, 'presence', new.presence)::text);
      end if;
      return null;
    end $$;
    create trigger agents_live after update of presence on agents
      for each row execute function shouwen_live_presence();

    create function shouwen_live_call() returns trigger language plpgsql as $$
    begin
      if new.kind = 'caller' and (tg_op = 'INSERT' or new.queue_state is distinct from old.queue_state) then
        perform pg_notify('shouwen_live', json_build_object(
          't', 'call', 'queueState', new.queue_state)::text);
      end if;
      return null;
    end $$;
    create trigger calls_live after insert or update of queue_state on calls
      for each row execute function shouwen_live_call();
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop trigger if exists case_events_live on case_events;
    drop trigger if exists notifications_live on notifications;
    drop trigger if exists agent_offers_live on agent_offers;
    drop trigger if exists agents_live on agents;
    drop trigger if exists calls_live on calls;
    drop function if exists shouwen_live_case_event, shouwen_live_notification, shouwen_live_offer,
      shouwen_live_presence, shouwen_live_call;
  `.execute(db)
}
