import { sql } from 'kysely'
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest'

import { periodicDuties } from '../../src/beats/duties.ts'
import type { Db } from '../../src/db/database.ts'
import { createDb } from '../../src/db/database.ts'
import { createLogger } from '../../src/logger.ts'
import { runRetention } from '../../src/retention/retention.ts'
import { cloneTestDatabase } from '../helpers/databases.ts'

const NOW = new Date('2026-12-01T00:00:00Z')
const DAY = 24 * 3600 * 1000
const daysAgo = (d: number) => new Date(NOW.getTime() - d * DAY)
const sid = (tag: string) => `CA${tag.padEnd(32, '0')}`
const clock = { now: () => NOW }
// Legs kept 90 days (cut-off 2026-09-02), receipts 30 days (cut-off 2026-11-01).
const retention = { callLegsDays: 90, webhookReceiptsDays: 30 }
let agents = 0

describe('retention of call legs and status receipts', () => {
  let db: Db
  let drop: () => Promise<void>
  afterAll(async () => {
    await db?.destroy()
    await drop?.()
  })

  beforeEach(async () => {
    if (!db) {
      const clone = await cloneTestDatabase(inject('pgServerUrl'))
      drop = clone.drop
      db = createDb({ url: clone.url, logger: createLogger({ level: 'silent' }), max: 2 })
    }
    await sql`truncate status_receipts, agent_offers, calls cascade`.execute(db)
    const agent = await db
      .insertInto('agents')
      .values({
        job_number: `R${++agents}`,
        name: 'Retention agent',
        role: 'agent',
        client_identity: `retention-${agents}`,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const call = (
      tag: string,
      kind: 'caller' | 'agent_offer' | 'department' | 'callback',
      ageDays: number,
      rank: number,
      parent: string | null = null,
    ) => ({
      call_sid: sid(tag),
      direction: kind === 'caller' ? ('inbound' as const) : ('outbound' as const),
      kind,
      parent_call_sid: parent,
      status: rank === 4 ? 'completed' : 'in-progress',
      status_rank: rank,
      digits: '[]',
      ivr_state: '{}',
      created_at: daysAgo(ageDays),
      started_at: daysAgo(ageDays),
    })
    await db
      .insertInto('calls')
      .values([
        call('c1', 'caller', 200, 4), // a caller's call: kept, however old
        call('a1', 'agent_offer', 91, 4, sid('c1')), // expired leg: deleted
        call('d2', 'department', 100, 4, sid('c1')), // expired department leg: deleted
        call('a3', 'agent_offer', 95, 3, sid('c1')), // old but not ended: kept
        call('a4', 'agent_offer', 89, 4, sid('c1')), // 89 days: kept
        call('b5', 'callback', 200, 4), // a return call: kept
        call('a6', 'agent_offer', 120, 4, sid('c1')), // expired, but a7 hangs off it: kept
      ])
      .execute()
    await db
      .insertInto('calls')
      .values(call('a7', 'callback', 10, 4, sid('a6')))
      .execute()
    const offer = (n: number, ageDays: number, status: 'no_answer' | 'ringing' | 'accepted') => ({
      id: `00000000-0000-0000-0000-00000000000${n}`,
      call_sid: sid('c1'),
      agent_id: agent.id,
      wave: 1,
      status,
      created_at: daysAgo(ageDays),
    })
    await db
      .insertInto('agent_offers')
      .values([
        offer(1, 91, 'no_answer'), // expired: deleted
        offer(2, 91, 'ringing'), // still ringing (a stuck row): kept
        offer(3, 89, 'accepted'), // 89 days: kept
      ])
      .execute()
    const receipt = (tag: string, ageDays: number) => ({
      resource_sid: sid(tag),
      event: 'call-progress',
      sequence_number: 3,
      received_at: daysAgo(ageDays),
    })
    await db
      .insertInto('status_receipts')
      .values([receipt('r1', 31), receipt('r2', 29), receipt('r3', 40)])
      .execute()
  })

  const left = async () => ({
    calls: (await db.selectFrom('calls').select('call_sid').orderBy('call_sid').execute()).map(
      (r) => r.call_sid.slice(2, 4),
    ),
    offers: (await db.selectFrom('agent_offers').select('id').orderBy('id').execute()).map((r) =>
      Number(r.id.slice(-1)),
    ),
    receipts: (
      await db
        .selectFrom('status_receipts')
        .select('resource_sid')
        .orderBy('resource_sid')
        .execute()
    ).map((r) => r.resource_sid.slice(2, 4)),
  })

  it('deletes exactly the expired rows and reports how many', async () => {
    const r = await runRetention({ db, clock, retention })
    // Receipts r1 (31 d) and r3 (40 d); offer 1; legs a1 and d2.
    expect(r).toEqual({ receipts: 2, offers: 1, legs: 2, more: false })
    expect(await left()).toEqual({
      calls: ['a3', 'a4', 'a6', 'a7', 'b5', 'c1'],
      offers: [2, 3],
      receipts: ['r2'],
    })
    // A second run finds nothing more.
    expect(await runRetention({ db, clock, retention })).toEqual({
      receipts: 0,
      offers: 0,
      legs: 0,
      more: false,
    })
  })

  it('gets to the same rows one at a time, batch after batch', async () => {
    const r = await runRetention({ db, clock, retention }, { batchSize: 1 })
    expect(r).toEqual({ receipts: 2, offers: 1, legs: 2, more: false })
    expect((await left()).calls).toEqual(['a3', 'a4', 'a6', 'a7', 'b5', 'c1'])
  })

  it('deletes nothing when set to 0 (keep for ever)', async () => {
    const before = await left()
    const r = await runRetention({
      db,
      clock,
      retention: { callLegsDays: 0, webhookReceiptsDays: 0 },
    })
    expect(r).toEqual({ receipts: 0, offers: 0, legs: 0, more: false })
    expect(await left()).toEqual(before)
  })

  it('stops at its time budget and says there is more', async () => {
    const r = await runRetention({ db, clock, retention }, { budgetMs: 0 })
    expect(r).toEqual({ receipts: 0, offers: 0, legs: 0, more: true })
    expect((await left()).receipts).toEqual(['r1', 'r2', 'r3'])
  })

  it('is a periodic duty of the worker, with the configured settings', async () => {
    const deps = { db, clock, logger: createLogger({ level: 'silent' }) }
    const duty = periodicDuties(deps as unknown as Parameters<typeof periodicDuties>[0], {
      dispatchSweepMs: 5000,
      reconcileEveryMs: 60_000,
      retention,
    }).find((d) => d.name === 'retention')
    expect(duty?.everyMs).toBe(600_000)
    expect(await duty?.run()).toEqual({ receipts: 2, offers: 1, legs: 2, more: false })
  })
})
