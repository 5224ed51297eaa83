import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- "Half a day" (半天) is half of the configured working day, breaks left out, stored as
    -- 0.5 working days; other fractions of a day stay refused. The old constraint had no name.
    do $$
    declare c text;
    begin
      for c in
        select conname from pg_constraint
        where conrelid = 'time_limit_policies'::regclass and contype = 'c'
          and pg_get_constraintdef(oid) like '%trunc(amount)%'
      loop
        execute format('alter table time_limit_policies drop constraint %I', c);
      end loop;
    end $$;
    alter table time_limit_policies add constraint time_limit_policies_whole_days
      check (unit = 'minutes' or amount = trunc(amount) or (amount = 0.5 and basis = 'working'));

    -- The seeded half days (240 working minutes, half of an 8-hour day), where no administrator
    -- has set them since: an edited row is the administrator's and stays as it is.
    update time_limit_policies set amount = 0.5, unit = 'days'
    where updated_by is null and amount = 240 and unit = 'minutes' and basis = 'working';
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    update time_limit_policies set amount = 240, unit = 'minutes'
    where amount = 0.5 and unit = 'days' and basis = 'working';
    alter table time_limit_policies drop constraint time_limit_policies_whole_days;
    alter table time_limit_policies add check (unit = 'minutes' or amount = trunc(amount));
  `.execute(db)
}
