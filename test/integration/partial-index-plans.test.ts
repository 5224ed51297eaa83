import { type CompiledQuery, Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { listEngagedAgentIds, listFreeAgents } from '../../src/agents/agents.repository.ts'
import { listPending } from '../../src/callbacks/callbacks.repository.ts'
import { claimLostVoicemailRedirects, setConferenceSid } from '../../src/calls/calls.repository.ts'
import { runDispatch } from '../../src/calls/dispatcher.ts'
import { createInboundRecorder } from '../../src/calls/inbound-recorder.ts'
import { claimOffersToRelease, LIVE_OFFER_STATUSES } from '../../src/calls/offers.repository.ts'
import { findStaleCalls } from '../../src/calls/stale-calls.repository.ts'
import { findOpenCasesOfCaller, listCasesOwnedBy } from '../../src/cases/cases.repository.ts'
import { supervisorBoard } from '../../src/console/board.ts'
import type { Db } from '../../src/db/database.ts'
import type { Database } from '../../src/db/schema.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness } from '../helpers/harness.ts'

/**
 * The statements the code sends, planned as Postgres plans a prepared statement from its sixth
 * call (generic: made without the values), use the partial indexes built for them. A condition
 * sent as a parameter (`queue_state = $1`) cannot match an index's predicate (`where
 * queue_state = 'waiting'`), and such a plan reads the whole table, which grows with every call
 * (src/db/literals.ts). Hand-written shapes of these queries (conference-lookups-indexed.test.ts)
 * missed that: the code sent its constants as parameters.
 */
describe('hot statements use their partial indexes under a generic plan', () => {
  let h: Harness
  let db: Db
  let pool: pg.Pool
  let explainer: pg.Client
  let sent: CompiledQuery[] = []

  beforeAll(async () => {
    h = await createHarness()
    pool = new pg.Pool({ connectionString: h.databaseUrl, max: 1 })
    // Every statement these functions send, with its values, as the service's pool sends it.
    db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool }),
      log: (e) => void (e.level === 'query' && sent.push(e.query)),
    })
    explainer = new pg.Client({ connectionString: h.databaseUrl })
    await explainer.connect()
    // A few days of history: ended calls, their agents' offers and done return calls, so the
    // planner weighs the indexes against tables of some size.
    await explainer.query(`
      insert into calls (call_sid, direction, kind, status, status_rank, queue_state,
        conference_name)
      select 'CA' || md5(i::text), 'inbound', case when i % 3 = 0 then 'caller' else 'agent_offer' end,
        'completed', 4, 'ended', 'call-CA' || md5(i::text)
      from generate_series(1, 30000) i;
      insert into agent_offers (id, call_sid, agent_id, wave, status, created_at)
      select gen_random_uuid(), 'CA' || md5(i::text), (select min(id) from agents), 1, 'taken',
        now() - interval '1 day'
      from generate_series(1, 30000) i;
      analyze calls; analyze agent_offers;
    `)
    // The test database plans generically already (helpers/databases.ts); a table scan is made
    // the last resort, so an empty table does not hide which index a plan could use.
    await explainer.query('set plan_cache_mode = force_generic_plan; set enable_seqscan = off')
  })
  afterAll(async () => {
    await explainer.end()
    await db.destroy()
    await h.close()
  })

  /** The plans of every statement `work` sent, each prepared as the service prepares it. */
  async function plansOf(work: () => Promise<unknown>): Promise<string> {
    sent = []
    await work()
    await explainer.query('deallocate all')
    const plans: string[] = []
    for (const [i, q] of sent.entries()) {
      if (!/^\s*(with|select|update|delete|insert)/i.test(q.sql)) continue
      const name = `plan_${i}`
      await explainer.query(`prepare ${name} as ${q.sql}`)
      const args = q.parameters.map((v) => sqlValue(explainer, v))
      const r = await explainer.query<{ 'QUERY PLAN': string }>(
        `explain execute ${name}${args.length ? `(${args.join(', ')})` : ''}`,
      )
      await explainer.query(`deallocate ${name}`)
      plans.push(r.rows.map((row) => row['QUERY PLAN']).join('\n'))
    }
    return plans.join('\n\n')
  }

  const at = new Date()

  it('can tell: the live offers sent as parameters miss their index', async () => {
    const plans = await plansOf(() =>
      db
        .selectFrom('agent_offers')
        .select('id')
        .where('status', 'in', LIVE_OFFER_STATUSES)
        .execute(),
    )
    expect(plans).toContain('agent_offers')
    expect(plans).not.toContain('agent_offers_live_idx')
  })

  it('finds free and engaged agents by the live offers and live calls only', async () => {
    expect(await plansOf(() => listFreeAgents(db))).toContain('agent_offers_live_idx')
    const engaged = await plansOf(() => listEngagedAgentIds(db))
    expect(engaged).toContain('agent_offers_live_idx')
    expect(engaged).toContain('calls_live_idx')
  })

  it('releases offers, and a dispatch pass finds the waiting callers, by index', async () => {
    expect(await plansOf(() => claimOffersToRelease(db, { at, staleAfterSeconds: 80 }))).toContain(
      'agent_offers_live_idx',
    )
    const pass = await plansOf(() => runDispatch({ ...h.ctx, db }))
    expect(pass).toContain('calls_waiting_idx')
  })

  it("finds a caller's open cases on an incoming call, and an agent's, by index", async () => {
    const recorder = createInboundRecorder(db)
    const recorded = await plansOf(() =>
      recorder.record({
        callSid: 'CA' + 'f'.repeat(32),
        hotlineNumber: '+8657112345',
        fromNumber: '+8613800000001',
        callerName: null,
        fromCity: null,
        fromState: null,
        fromCountry: null,
        language: 'zh-CN',
        at,
      }),
    )
    // Either index of open cases (both partial on the open statuses): the planner picks by cost.
    const openCases = /cases_caller_open_idx|cases_owner_open_idx/
    expect(recorded).toMatch(openCases)
    expect(await plansOf(() => findOpenCasesOfCaller(db, '1'))).toMatch(openCases)
    expect(await plansOf(() => listCasesOwnedBy(db, 1))).toContain('cases_owner_open_idx')
    // The supervisor board's manager agenda: the week's agenda events among all of the year's.
    expect(await plansOf(() => supervisorBoard({ ...h.ctx, db }))).toContain(
      'case_events_agenda_idx',
    )
  })

  it("finds a starting room's caller, lost voicemail redirects, stale calls and pending return calls by index", async () => {
    expect(await plansOf(() => setConferenceSid(db, 'call-CAx', 'CFx'))).toContain(
      'calls_conference_name_idx',
    )
    expect(await plansOf(() => claimLostVoicemailRedirects(db, at, 20))).toContain('calls_live_idx')
    expect(
      await plansOf(() => findStaleCalls(db, { staleBefore: at, recheckBefore: at, limit: 50 })),
    ).toMatch(/calls_stale_check_idx|calls_live_idx/) // both partial on calls not ended
    // Either partial index of pending return calls will do (both `where status = 'pending'`).
    expect(await plansOf(() => listPending(db, ['confirmation']))).toMatch(
      /callbacks_due_idx|callbacks_one_open/,
    )
  })
})

/** A statement's value as an SQL literal for EXECUTE, typed by the prepared statement. */
function sqlValue(c: pg.Client, v: unknown): string {
  if (v === null || v === undefined) return 'null'
  if (Array.isArray(v)) {
    // An array literal: each element quoted, nulls bare.
    const items = v.map((x: unknown) =>
      x === null || x === undefined
        ? 'NULL'
        : `"${(x instanceof Date ? x.toISOString() : String(x as string | number)).replace(/["\\]/g, '\\$&')}"`,
    )
    return c.escapeLiteral(`{${items.join(',')}}`)
  }
  if (v instanceof Date) return c.escapeLiteral(v.toISOString())
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v)
  return c.escapeLiteral(typeof v === 'string' ? v : JSON.stringify(v))
}
