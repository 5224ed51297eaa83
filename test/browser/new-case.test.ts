import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inject } from 'vitest'

import type { AppContext } from '../../src/context.ts'
import { DEMO_PASSWORD } from '../../src/db/demo-data.ts'
import { launchChromium } from '../helpers/browser.ts'
import { type RunningService, startSimulatedService, until } from '../helpers/service.ts'

/**
 * The workspace's "new case" form and the case form's variant select, in a real headless
 * Chromium against the whole service (simulator mode).
 */
describe('the console records a walk-in and sets its variant', () => {
  let ctx: AppContext
  let browser: Browser
  let service: RunningService
  const problems: string[] = []

  beforeAll(async () => {
    service = await startSimulatedService()
    ctx = service.ctx
    browser = await launchChromium(inject('chromiumPath'))
  })
  afterAll(async () => {
    await browser?.close()
    await service.stop()
  })

  async function loginAs(job: string): Promise<Page> {
    const page = await (
      await browser.newContext({ viewport: { width: 1400, height: 1000 } })
    ).newPage()
    page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`))
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.request().method()} ${r.url()}`)
    })
    await page.goto(`${service.base}/console/`)
    await page.getByLabel('工号', { exact: true }).fill(job)
    await page.getByLabel('密码', { exact: true }).fill(DEMO_PASSWORD)
    await page.getByTestId('login-submit').click()
    await page.getByTestId('me').waitFor()
    return page
  }

  const row = () =>
    ctx.db
      .selectFrom('cases')
      .innerJoin('agents', 'agents.id', 'cases.first_owner_id')
      .select(['cases.reference', 'cases.source', 'cases.variant', 'agents.job_number'])
      .executeTakeFirst()

  it('creates the case owned by the agent, then re-plans it from the variant select', async () => {
    const page = await loginAs('1001')
    const form = page.getByTestId('new-case')
    await form.getByTestId('new-source').selectOption('letter')
    await form.getByTestId('new-category').selectOption('repair')
    await form.getByTestId('new-variant').selectOption('common_area')
    await form.getByTestId('new-name').fill('Wang Fang')
    await form.getByTestId('new-phone').fill('+8613900006666')
    await form.getByTestId('new-place').fill('Block 7 stairwell')
    await form.getByTestId('new-content').fill('Handrail loose on the 3rd floor')
    await form.getByTestId('new-create').click()

    const created = await until('the case recorded', row)
    expect(created).toMatchObject({ source: 'letter', variant: 'common_area', job_number: '1001' })
    // The new case opens in the workspace, its variant selected on the case form.
    await expect
      .poll(() => page.getByTestId('case-reference').innerText())
      .toContain(created.reference)
    // The form's values and the categories' variants come in requests of their own, after the
    // reference shows: until both are in, the select reads empty.
    await expect.poll(() => page.getByTestId('field-variant').inputValue()).toBe('common_area')

    await page.getByTestId('field-variant').selectOption('common_area_urgent')
    await page.getByTestId('save-case').click()
    await until('the variant saved', async () => {
      const r = await row()
      return r?.variant === 'common_area_urgent' ? r : undefined
    })
    await page.getByText('resolution_replanned').waitFor()
    expect(problems).toEqual([])
  })

  it('lets an administrator add a variant and make it the category’s default', async () => {
    const admin = await loginAs('9001')
    await admin.goto(`${service.base}/console/#/admin`)
    const form = admin.getByTestId('variant-edit')
    await form.getByLabel('所属类别', { exact: true }).selectOption('complaint')
    await form.getByLabel('细分代码', { exact: true }).fill('about_staff')
    await form.getByLabel('细分中文名称', { exact: true }).fill('服务态度')
    await form.getByLabel('细分英文名称', { exact: true }).fill('staff attitude')
    await form.getByRole('checkbox').check()
    await form.getByRole('button', { name: '保存' }).click()
    await admin.getByTestId('variant-complaint-about_staff').waitFor()
    const rows = await ctx.db
      .selectFrom('category_variants')
      .select(['code', 'is_default'])
      .where('category', '=', 'complaint')
      .orderBy('code')
      .execute()
    expect(rows).toEqual([
      { code: 'about_staff', is_default: true },
      { code: 'ordinary', is_default: false },
      { code: 'serious', is_default: false },
    ])
    expect(problems).toEqual([])
  })
})
