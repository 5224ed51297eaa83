import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'

import type { AppContext } from '../../src/context.ts'
import { consolePageAs, launchChromium } from '../helpers/browser.ts'
import { type RunningService, startSimulatedService, until } from '../helpers/service.ts'

const sh = (local: string) => new Date(`${local.replace(' ', 'T')}+08:00`)

/**
 * The quality sample's "were the recorded details correct?" in the console, its 信息准确率 on the
 * rates page against the target, and an administrator changing a target: in headless Chromium
 * against the whole service (simulator mode).
 */
describe('the console records the details question and shows information accuracy', () => {
  let ctx: AppContext
  let browser: Browser
  let service: RunningService
  const problems: string[] = []

  beforeAll(async () => {
    service = await startSimulatedService()
    ctx = service.ctx
    browser = await launchChromium(inject('chromiumPath'))
    // One repair case closed by its caller in November 2026: the month's sample is that case.
    const owner = await ctx.db
      .selectFrom('agents')
      .select('id')
      .where('job_number', '=', '1001')
      .executeTakeFirstOrThrow()
    const repair = await ctx.db
      .selectFrom('categories')
      .select('id')
      .where('code', '=', 'repair')
      .executeTakeFirstOrThrow()
    await ctx.db
      .insertInto('cases')
      .values({
        reference: 'HL-20261115-0001',
        hotline_number: null,
        caller_id: null,
        category_id: repair.id,
        first_recorded_category_id: repair.id,
        first_owner_id: owner.id,
        first_owned_at: sh('2026-11-15 09:00'),
        assignee_agent_id: null,
        assignee_department_id: null,
        status: 'closed',
        place: 'Block 7',
        content: 'Tap drips',
        contact_name: null,
        contact_phone: null,
        promised_reply_at: null,
        created_at: sh('2026-11-15 09:00'),
        closed_at: sh('2026-11-16 10:00'),
        closed_by: 'caller',
        closed_via: 'call',
      })
      .execute()
  })
  afterAll(async () => {
    await browser?.close()
    await service.stop()
  })

  const loginAs = (job: string): Promise<Page> =>
    consolePageAs({ browser, base: service.base, problems }, job)

  it('draws the sample, records a wrong place, and shows 0/1 below target', async () => {
    const page = await loginAs('2001')
    await page.goto(`${service.base}/console/#/quality`)
    const quality = page.getByTestId('quality')
    // This month's report first: a re-render on its arrival would put back the month typed over.
    await quality.getByRole('table').first().waitFor({ timeout: 8000 })
    await quality.getByLabel('月份', { exact: true }).fill('2026-11')
    await quality.getByLabel('月份', { exact: true }).press('Enter')
    // November's report is in (its one closed repair case) before drawing from it.
    await quality.getByRole('cell', { name: 'repair', exact: true }).waitFor({ timeout: 8000 })
    await quality.getByRole('button', { name: 'Draw sample' }).click()
    await quality.getByText('HL-20261115-0001').waitFor({ timeout: 8000 })
    await quality.getByLabel('登记信息是否准确', { exact: true }).selectOption('no')
    await quality.getByLabel('地点', { exact: true }).check()
    await quality.getByRole('button', { name: 'satisfied', exact: true }).click()
    const sample = await until('the sample recorded', async () => {
      const r = await ctx.db
        .selectFrom('quality_samples')
        .select(['status', 'details_correct', 'wrong_fields'])
        .executeTakeFirst()
      return r?.status === 'done' ? r : undefined
    })
    expect(sample).toEqual({ status: 'done', details_correct: false, wrong_fields: ['place'] })
    await quality.getByText('有误: 地点').waitFor({ timeout: 8000 })

    await page.goto(`${service.base}/console/#/rates`)
    await page.getByTestId('rates-table').waitFor({ timeout: 8000 })
    const period = page.getByLabel('期间 (2026-11 / 2026-W48)', { exact: true })
    await period.fill('2026-11')
    await period.press('Enter')
    // The one checked sample had a wrong detail: 0 of 1, below "> 98%".
    await expect
      .poll(() => page.getByTestId('rate-all-informationAccuracy').innerText())
      .toContain('0/1')
    expect(await page.getByTestId('rate-all-informationAccuracy').innerText()).toContain('未达标')
    expect(await page.getByTestId('rates-table').innerText()).toContain('(> 98%)')
    // Closed on a return call, none by SMS, none by a supervisor.
    expect(await page.getByTestId('closures-all').innerText()).toMatch(/回访 1 · 短信 0 · 主管 0/)
    expect(problems).toEqual([])
  })

  it('lets an administrator change a target, which the rates page then shows', async () => {
    const admin = await loginAs('9001')
    await admin.goto(`${service.base}/console/#/admin`)
    const card = admin.getByTestId('admin-rate-targets')
    await expect.poll(() => card.getByTestId('target-satisfaction').innerText()).toContain('> 98%')
    await card.getByLabel('指标', { exact: true }).selectOption('satisfaction')
    await card.getByLabel('比较', { exact: true }).selectOption('gte')
    await card.getByLabel('目标值 (%)', { exact: true }).fill('95')
    await card.getByRole('button', { name: '保存' }).click()
    await expect.poll(() => card.getByTestId('target-satisfaction').innerText()).toContain('≥ 95%')
    const audit = await ctx.db
      .selectFrom('admin_events')
      .select(['entity_key', 'after'])
      .where('entity', '=', 'rate_target')
      .execute()
    expect(audit).toEqual([
      { entity_key: 'satisfaction', after: { value: 0.95, comparison: 'gte' } },
    ])
    expect(problems).toEqual([])
  })
})
