// A year of a hotline's data, generated inside Postgres (generate_series, one statement per
// table), for `bench/volume.ts`. Shares are those of a busy hotline; every random draw is seeded
// so two runs load the same data.
import type { RawBuilder } from 'kysely'
import { sql } from 'kysely'

import type { Db } from '../src/db/database.ts'

export const TZ = 'Asia/Shanghai'
// The year of data, Shanghai time; every query runs "now", at its end.
export const START = new Date('2025-12-01T00:00:00+08:00')
export const NOW = new Date('2026-12-01T00:00:00+08:00')

const LOADED_TABLES = [
  'cases',
  'case_events',
  'case_deadlines',
  'callbacks',
  'callback_attempts',
  'calls',
  'agent_offers',
  'status_receipts',
  'callers',
]

export interface Loaded {
  cases: number
  agents: { min: number; count: number }
  callers: { min: number; count: number }
  caseIds: { min: number; max: number }
  /** Seconds per table, in load order. */
  seconds: [string, number][]
}

/**
 * Per case: one caller (half as many callers as cases, a few calling very often), one of the
 * bench agents as first owner (one agent per 5,000 cases a year, so each owns about as many
 * open cases at every size), 4–5 timeline events, 3 clocks (record, dispatch, resolution), the
 * caller's call and 1–2 agent legs rung (calls and agent_offers rows), one status receipt per
 * call row, and for a closed case its return call and attempt. Cases close within r³·4 days;
 * 0.2 % stay stuck open all year (overdue, on the manager's agenda), so "open" is what a live
 * hotline has: the last days' cases and the stragglers.
 */
export async function loadYear(db: Db, n: number): Promise<Loaded> {
  const seconds: [string, number][] = []
  // One connection for the whole load: the session settings and the seed hold for every step.
  return db.connection().execute(async (c) => {
    await sql`set maintenance_work_mem = '512MB'`.execute(c)
    await sql`set work_mem = '64MB'`.execute(c)
    await sql`set synchronous_commit = off`.execute(c)
    await sql`select setseed(0.42)`.execute(c)
    // The rows are consistent by construction: skip the per-row foreign-key triggers, which
    // would otherwise take most of the load's time (a superuser setting, this session only).
    // That skips the triggers that copy a case's group columns onto its clocks (migration
    // 007400) and its attempts (008300, 008700) too: the inserts below copy them themselves.
    await sql`set session_replication_role = replica`.execute(c)
    // Indexes are built once at the end, sorted, rather than row by row during the load; those
    // backing a constraint (keys) stay.
    const indexes = (
      await sql<{ name: string; def: string }>`
        select indexname as name, indexdef as def from pg_indexes i
        where schemaname = 'public' and tablename = any(${LOADED_TABLES})
          and not exists (select 1 from pg_constraint k where k.conname = i.indexname)`.execute(c)
    ).rows
    for (const i of indexes) await sql`drop index ${sql.id(i.name)}`.execute(c)
    const dept = (await c.selectFrom('departments').select('id').orderBy('id').execute()).map(
      (r) => r.id,
    )
    const agentCount = Math.max(20, Math.round(n / 5000))
    const callerCount = Math.round(n / 2)
    const one = async (q: string) =>
      Number((await sql<{ v: string }>`${sql.raw(q)}`.execute(c)).rows[0]?.v ?? 0)

    const run = async (label: string, q: RawBuilder<unknown>) => {
      const t = performance.now()
      await q.execute(c)
      seconds.push([label, (performance.now() - t) / 1000])
    }
    await run(
      'agents',
      sql`
      insert into agents (job_number, name, client_identity, department_id, role)
      select 'V' || lpad(i::text, 5, '0'), 'Volume agent ' || i, 'volume-' || i, ${dept[0]}, 'agent'
      from generate_series(1, ${agentCount}) i`,
    )
    await run(
      'callers',
      sql`
      insert into callers (phone_number, name, city, created_at, updated_at)
      select '+86139' || lpad(i::text, 8, '0'), 'Caller ' || i, 'Hangzhou', ${START}, ${START}
      from generate_series(1, ${callerCount}) i`,
    )
    const agentMin = await one(`select min(id) as v from agents where job_number like 'V%'`)
    const callerMin = await one(`select min(id) as v from callers`)
    const cats = (await c.selectFrom('categories').select('id').orderBy('id').execute()).map(
      (r) => r.id,
    )

    // Cases arrive in time order, as on a live hotline: ids (and the table's pages) follow
    // created_at, which the range scans of the rates depend on.
    await run(
      'cases',
      sql`
      insert into cases (reference, hotline_number, caller_id, place, content, contact_name,
        contact_phone, category_id, dispatched_category_id, first_owner_id, first_owned_at,
        assignee_agent_id, assignee_department_id, status, created_at, updated_at, resolved_at,
        closed_at, closed_by, rework_count, satisfaction)
      select 'BV-' || lpad(i::text, 9, '0'), (select min(phone_number) from hotlines),
        ${callerMin}::bigint + floor(r_caller ^ 2 * ${callerCount})::bigint,
        'Building ' || (i % 40 + 1) || ', unit ' || (i % 30 + 1) * 100 + i % 6,
        (array['厨房水龙头漏水，已经持续两天了，楼下邻居也反映天花板有水渍，请尽快派人上门维修。',
          '楼道灯坏了一个星期，晚上出入很不方便，老人小孩容易摔倒，希望物业尽快处理并回复。',
          '隔壁装修噪音从早上七点开始，周末也不停，已经影响休息，请协调装修时间并告知结果。',
          '想咨询停车位月卡的办理流程、所需材料和收费标准，以及是否可以在线缴费和开具发票。'])
          [1 + i % 4] || ' 联系人下午在家。',
        'Mr Wang', '+86139' || lpad((i % ${callerCount})::text, 8, '0'), cat,
        case when r_cls < 0.008 then (${cats}::int[])[1 + (array_position(${cats}::int[], cat) % 5)]
          else cat end,
        owner, created + interval '20 seconds', owner,
        case when r_dept < 0.4 then (${dept}::int[])[1 + floor(r_dept * 7.5)::int] end,
        case when done then 'closed' else 'in_progress' end, created, created,
        case when done then closes - interval '1 hour' end, case when done then closes end,
        case when done then case when r_override < 0.04 then 'supervisor_override' else 'caller' end end,
        case when r_rework < 0.01 then 2 when r_rework < 0.06 then 1 else 0 end,
        case when done and r_override >= 0.04 then case when r_sat < 0.70 then 5 when r_sat < 0.90
          then 4 when r_sat < 0.96 then 3 when r_sat < 0.99 then 2 else 1 end end
      from (
        select *,
          case when r_cat < 0.40 then (${cats}::int[])[1] when r_cat < 0.55 then (${cats}::int[])[2]
            when r_cat < 0.85 then (${cats}::int[])[3] when r_cat < 0.95 then (${cats}::int[])[4]
            else (${cats}::int[])[5] end as cat,
          ${agentMin}::int + floor(r_agent * ${agentCount})::int as owner,
          created + r_close ^ 3 * interval '4 days' as closes,
          r_stuck >= 0.002 and created + r_close ^ 3 * interval '4 days' < ${NOW} as done
        from (
          select i, ${START}::timestamptz + (i - random()) / ${n}
              * (${NOW}::timestamptz - ${START}::timestamptz) as created,
            random() r_caller, random() r_cat, random() r_agent, random() r_cls, random() r_dept,
            random() r_close, random() r_stuck, random() r_override, random() r_rework,
            random() r_sat
          from generate_series(1, ${n}) i
        ) a
      ) b`,
    )
    await run(
      'case_events',
      sql`
      insert into case_events (case_id, type, actor_kind, actor_agent_id, first_owner_id, call_sid,
        data, occurred_at)
      select k.id, e.type, e.kind, e.agent, k.first_owner_id,
        case when e.type = 'case_opened' then 'CA' || md5('c' || k.id) end, e.data::jsonb, e.at
      from cases k cross join lateral (values
        ('case_opened', 'system', null::int, '{"source":"call"}', k.created_at),
        ('first_owner_claimed', 'agent', k.first_owner_id, '{}', k.first_owned_at),
        ('case_updated', 'agent', k.first_owner_id,
          '{"changes":{"place":"Building 7","content":"漏水"}}', k.created_at + interval '55 seconds'),
        ('work_done', 'agent', k.first_owner_id, '{"summary":"已处理"}', k.resolved_at),
        (case when k.closed_by = 'caller' then 'case_closed_by_caller'
          else 'case_closed_by_override' end, 'caller', null, '{}', k.closed_at),
        ('manager_agenda', 'system', null, '{}',
          case when k.status <> 'closed' and k.created_at < ${NOW}::timestamptz - interval '1 day'
            then k.created_at + interval '1 day' end)
      ) e(type, kind, agent, data, at)
      where e.at is not null`,
    )
    await run(
      'case_deadlines',
      sql`
      insert into case_deadlines (case_id, step, started_at, due_at, warn_at, warned_at,
        breached_at, done_at, outcome, ended_at, round, case_first_owner_id,
        case_assignee_department_id, case_category_id)
      select k.id, s.step, k.created_at, k.created_at + s.lim, k.created_at + s.lim * 0.8,
        case when s.done is null and k.created_at + s.lim * 0.8 < ${NOW} then k.created_at + s.lim * 0.8 end,
        case when s.done is null and k.created_at + s.lim < ${NOW} then k.created_at + s.lim end,
        s.done,
        case when s.done is null then 'open' when s.done <= k.created_at + s.lim then 'met'
          else 'missed' end,
        s.done, 1, k.first_owner_id, k.assignee_department_id, k.category_id
      from cases k cross join lateral (values
        ('record', interval '1 minute', k.created_at + random() * interval '66 seconds'),
        ('dispatch', interval '2 minutes', k.first_owned_at),
        ('resolution', interval '2 days', k.resolved_at)
      ) s(step, lim, done)`,
    )
    await run(
      'callbacks',
      sql`
      insert into callbacks (case_id, purpose, attempt, due_at, status, outcome, created_at)
      select id, 'confirmation', 1, resolved_at + interval '2 minutes',
        case when closed_by = 'caller' then 'done' else 'exhausted' end,
        case when closed_by = 'caller' then 'confirmed' else 'exhausted' end, resolved_at
      from cases where status = 'closed' order by resolved_at`,
    )
    await run(
      'callback_attempts',
      sql`
      insert into callback_attempts (callback_id, case_id, attempt, call_sid, started_at,
        answered_at, ended_at, outcome, rating, case_first_owner_id,
        case_assignee_department_id, case_category_id)
      select cb.id, cb.case_id, 1, 'CA' || md5('r' || cb.id), cb.due_at,
        case when cb.outcome = 'confirmed' then c.closed_at end,
        c.closed_at, case when cb.outcome = 'confirmed' then 'confirmed' else 'no_answer' end,
        case when cb.outcome = 'confirmed' and random() < 0.95 then c.satisfaction end,
        c.first_owner_id, c.assignee_department_id, c.category_id
      from callbacks cb join cases c on c.id = cb.case_id order by cb.id`,
    )
    // The caller's call: queued as the case opened, answered after an exponential wait (mean 6 s:
    // 92 % within 15 s); 1 % hung up waiting. Every one waited in a conference room of its own.
    await run(
      'calls (callers)',
      sql`
      insert into calls (call_sid, direction, kind, case_id, caller_id, hotline_number, from_number,
        to_number, caller_name, from_city, language, status, status_rank, last_sequence,
        digits, queue_state, enqueued_at, answered_by_agent_id, answered_at, started_at, ended_at,
        duration_seconds, conference_name, conference_sid, created_at, updated_at,
        first_enqueued_at, first_answered_at, first_answered_by_agent_id)
      select 'CA' || md5('c' || k.id), 'inbound', 'caller', k.id, k.caller_id, k.hotline_number,
        k.contact_phone, k.hotline_number, 'Caller', 'Hangzhou', 'zh-CN', 'completed', 4, 3,
        '["1"]'::jsonb, case when w.gone then 'abandoned' else 'ended' end,
        k.created_at, case when not w.gone then k.first_owner_id end,
        case when not w.gone then k.created_at + w.wait end, k.created_at - interval '25 seconds',
        k.created_at + w.wait + interval '4 minutes', 265, 'call-CA' || md5('c' || k.id),
        'CF' || md5('f' || k.id), k.created_at - interval '25 seconds', k.created_at + w.wait + interval '4 minutes',
        k.created_at, case when not w.gone then k.created_at + w.wait end,
        case when not w.gone then k.first_owner_id end
      from (select *, -ln(1 - random()) * interval '6 seconds' as wait, random() < 0.01 as gone
        from cases) k cross join lateral (select k.wait, k.gone) w`,
    )
    // One agent rung, or two (the first did not answer): a leg in calls and a row in
    // agent_offers each; the last one rung is the first owner.
    await run(
      'calls (agent legs)',
      sql`
      insert into calls (call_sid, direction, kind, parent_call_sid, case_id, agent_id,
        hotline_number, language, status, status_rank, last_sequence, queue_state, started_at,
        answered_at, ended_at, duration_seconds, created_at, updated_at)
      select 'CA' || md5('o' || k.id || '-' || g), 'outbound', 'agent_offer',
        'CA' || md5('c' || k.id), k.id,
        case when g = legs then k.first_owner_id
          else ${agentMin}::int + (k.first_owner_id - ${agentMin}::int + g) % ${agentCount} end,
        k.hotline_number, 'zh-CN', case when g = legs then 'completed' else 'no-answer' end, 4, 3,
        'ended', k.created_at + (g - 1) * interval '16 seconds',
        case when g = legs then k.first_owned_at end,
        k.created_at + g * interval '16 seconds' + case when g = legs then interval '4 minutes'
          else interval '0 seconds' end, 60,
        k.created_at + (g - 1) * interval '16 seconds', k.created_at + g * interval '16 seconds'
      from cases k cross join lateral (select 1 + (k.id % 2)::int as legs) l
      cross join lateral generate_series(1, l.legs) g`,
    )
    await run(
      'agent_offers',
      sql`
      insert into agent_offers (id, call_sid, case_id, agent_id, leg_call_sid, wave, status,
        created_at, answered_at, joined_at, ended_at)
      select md5(o.call_sid)::uuid, o.parent_call_sid, o.case_id, o.agent_id, o.call_sid,
        1 + extract(epoch from o.created_at - k.created_at)::int / 16,
        case when o.status = 'completed' then 'accepted' else 'no_answer' end, o.created_at,
        o.answered_at, o.answered_at, o.ended_at
      from calls o join cases k on k.id = o.case_id where o.kind = 'agent_offer'`,
    )
    // One receipt (the final status) per call row: a floor, Twilio sends up to four per leg.
    await run(
      'status_receipts',
      sql`
      insert into status_receipts (resource_sid, event, sequence_number, received_at)
      select call_sid, 'call-progress', 3, ended_at from calls`,
    )
    // The board's live part: callers in the menu, waiting and talking right now.
    await run(
      'live calls',
      sql`
      insert into calls (call_sid, direction, kind, caller_id, hotline_number, from_number,
        to_number, language, status, status_rank, queue_state, enqueued_at, answered_by_agent_id,
        answered_at, started_at, created_at, updated_at, first_enqueued_at, first_answered_at,
        first_answered_by_agent_id)
      select 'CA' || md5('live' || i), 'inbound', 'caller', ${callerMin}::bigint + i,
        (select min(phone_number) from hotlines), '+86139' || lpad(i::text, 8, '0'),
        (select min(phone_number) from hotlines), 'zh-CN', 'in-progress', 3,
        (array['ivr', 'waiting', 'connected'])[1 + i % 3],
        case when i % 3 > 0 then ${NOW}::timestamptz - i * interval '3 seconds' end,
        case when i % 3 = 2 then ${agentMin}::int + i % ${agentCount} end,
        case when i % 3 = 2 then ${NOW}::timestamptz - i * interval '1 second' end,
        ${NOW}::timestamptz - i * interval '4 seconds', ${NOW}::timestamptz - i * interval '4 seconds',
        ${NOW},
        case when i % 3 > 0 then ${NOW}::timestamptz - i * interval '3 seconds' end,
        case when i % 3 = 2 then ${NOW}::timestamptz - i * interval '1 second' end,
        case when i % 3 = 2 then ${agentMin}::int + i % ${agentCount} end
      from generate_series(1, 60) i`,
    )
    const ti = performance.now()
    for (const i of indexes) await sql.raw(i.def).execute(c)
    seconds.push([`${indexes.length} indexes`, (performance.now() - ti) / 1000])
    await sql`set session_replication_role = default`.execute(c)
    const t = performance.now()
    await sql`vacuum analyze`.execute(c)
    seconds.push(['vacuum analyze', (performance.now() - t) / 1000])
    return { ...(await describeLoaded(c, n)), seconds }
  })
}

/** What a loaded database holds, for drawing keys (also of a database kept from a past run). */
export async function describeLoaded(db: Db, n: number): Promise<Omit<Loaded, 'seconds'>> {
  const r = await sql<{
    a_min: number
    a_n: string
    c_min: string
    c_n: string
    k_min: string
    k_max: string
  }>`
    select (select min(id) from agents where job_number like 'V%') as a_min,
      (select count(*) from agents where job_number like 'V%') as a_n,
      (select min(id) from callers) as c_min, (select count(*) from callers) as c_n,
      (select min(id) from cases) as k_min, (select max(id) from cases) as k_max`.execute(db)
  const row = r.rows[0]
  if (!row) throw new Error('nothing loaded')
  return {
    cases: n,
    agents: { min: Number(row.a_min), count: Number(row.a_n) },
    callers: { min: Number(row.c_min), count: Number(row.c_n) },
    caseIds: { min: Number(row.k_min), max: Number(row.k_max) },
  }
}
