import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'

import { down, up } from '../../db/migrations/2026_12_02_006100_rate_definitions.ts'
import type { Db } from '../../src/db/database.ts'
import { createDb } from '../../src/db/database.ts'
import { loadDemoData } from '../../src/db/demo-data.ts'
import { createLogger } from '../../src/logger.ts'
import { cloneTestDatabase } from '../helpers/databases.ts'

/**
 * The rate_definitions migration on cases from before it: the first category an agent recorded
 * comes from the first agent event carrying one; an SMS closure from its closing event.
 */
describe('the rate definitions migration backfills existing cases', () => {
  let db: Db
  let drop: () => Promise<void>
  const ids: Record<string, string> = {}
  const cat: Record<string, number> = {}

  beforeAll(async () => {
    const clone = await cloneTestDatabase(inject('pgServerUrl'))
    drop = clone.drop
    db = createDb({ url: clone.url, logger: createLogger({ level: 'silent' }), max: 2 })
    await loadDemoData(db)
    for (const r of await db.selectFrom('categories').select(['id', 'code']).execute())
      cat[r.code] = r.id
    const agent = await db
      .selectFrom('agents')
      .select('id')
      .where('job_number', '=', '1001')
      .executeTakeFirstOrThrow()
    // Back to the schema before the migration.
    await down(db)
    let n = 0
    for (const key of ['X', 'Y', 'Z', 'V', 'W']) {
      const row = await db
        .insertInto('cases')
        .values({
          reference: `HL-20261001-${String(++n).padStart(4, '0')}`,
          hotline_number: null,
          caller_id: null,
          category_id: cat['complaint'] ?? null,
          first_owner_id: agent.id,
          first_owned_at: new Date('2026-10-01T01:00:00Z'),
          assignee_agent_id: null,
          assignee_department_id: null,
          status: key === 'V' || key === 'W' ? 'closed' : 'in_progress',
          closed_by: key === 'V' || key === 'W' ? 'caller' : null,
          place: null,
          content: null,
          contact_name: null,
          contact_phone: null,
          promised_reply_at: null,
          closed_at: key === 'V' || key === 'W' ? new Date('2026-10-03T01:00:00Z') : null,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      ids[key] = row.id
    }
    let minute = 0
    const event = async (
      key: string,
      type: string,
      by: 'agent' | 'system' | 'caller',
      data: Record<string, unknown>,
    ) =>
      db
        .insertInto('case_events')
        .values({
          case_id: ids[key] as string,
          type,
          actor_kind: by,
          actor_agent_id: by === 'agent' ? agent.id : null,
          first_owner_id: agent.id,
          call_sid: null,
          data: JSON.stringify(data),
          occurred_at: new Date(Date.UTC(2026, 9, 1, 2, ++minute)),
        })
        .execute()
    // X: the IVR's repair (a system event), an agent's save without a category, the agent's
    // first save with one (complaint), a later correction to inquiry.
    await event('X', 'case_opened', 'system', { category: 'repair' })
    await event('X', 'case_updated', 'agent', { changes: { place: { from: null, to: 'Gate 3' } } })
    await event('X', 'case_updated', 'agent', {
      changes: { category_id: { from: cat['repair'], to: cat['complaint'] } },
    })
    await event('X', 'case_updated', 'agent', {
      changes: { category_id: { from: cat['complaint'], to: cat['inquiry'] } },
    })
    // Y: only the IVR's key: never classified by an agent.
    await event('Y', 'case_opened', 'system', { category: 'repair' })
    // Z: recorded by hand by an agent, with a category.
    await event('Z', 'case_opened', 'agent', { via: 'walk_in', category: 'inquiry' })
    // V closed on a return call, W by an SMS reply.
    await event('V', 'case_closed_by_caller', 'caller', { via: 'call' })
    await event('W', 'case_closed_by_caller', 'caller', { via: 'sms' })
    await up(db)
  })
  afterAll(async () => {
    await db?.destroy()
    await drop?.()
  })

  it('takes the first agent event carrying a category, and no IVR key', async () => {
    const rows = await db
      .selectFrom('cases')
      .select(['id', 'first_recorded_category_id', 'closed_via'])
      .execute()
    const of = (key: string) => rows.find((r) => r.id === ids[key])
    expect(of('X')?.first_recorded_category_id).toBe(cat['complaint'])
    expect(of('Y')?.first_recorded_category_id).toBeNull()
    expect(of('Z')?.first_recorded_category_id).toBe(cat['inquiry'])
    expect(of('V')?.closed_via).toBe('call')
    expect(of('W')?.closed_via).toBe('sms')
    expect(of('X')?.closed_via).toBeNull()
  })

  it("seeds the sources' targets", async () => {
    const targets = await db
      .selectFrom('rate_targets')
      .select(['rate', 'value', 'comparison'])
      .orderBy('rate')
      .execute()
    expect(targets).toEqual([
      { rate: 'classification', value: '0.99000', comparison: 'gt' },
      { rate: 'informationAccuracy', value: '0.98000', comparison: 'gt' },
      { rate: 'pass', value: '1.00000', comparison: 'gte' },
      { rate: 'returnCall', value: '1.00000', comparison: 'gte' },
      { rate: 'satisfaction', value: '0.98000', comparison: 'gt' },
      { rate: 'timeliness', value: '1.00000', comparison: 'gte' },
    ])
  })
})
