import { mkdirSync } from 'node:fs'

import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inject } from 'vitest'

import type { AppContext } from '../../src/context.ts'
import { DEMO_PASSWORD } from '../../src/db/demo-data.ts'
import { launchChromium } from '../helpers/browser.ts'
import { type RunningService, startSimulatedService } from '../helpers/service.ts'

const SHOTS = 'test-output/screenshots'
const CALLER = '+8613900005555'

/**
 * The console in a real headless Chromium against the whole service in simulator mode: one tab
 * is the caller's browser phone, one the agent's workspace, one the supervisor's.
 */
describe('the web console, end to end in Chromium', () => {
  let ctx: AppContext
  let base: string
  let browser: Browser
  let service: RunningService

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    // Real-time rings and speech: the agent clicks Answer in a browser, which takes a moment.
    service = await startSimulatedService(
      { RING_TIMEOUT_SECONDS: '30', CONFIRMATION_DELAY_SECONDS: '0', CALLING_HOURS: '00:00-24:00' },
      { sayMsPerChar: 0, playMs: 300, ringTimeoutScale: 1, secondMs: 1000 },
    )
    ;({ ctx, base } = service)
    // Only agent 1001 takes calls; the engineering department answers and accepts by itself.
    await ctx.db
      .updateTable('agents')
      .set({ presence: 'away' })
      .where('job_number', '!=', '1001')
      .execute()
    service.sim.registerDevice('client:dept-engineering-1', {
      autoAnswer: { afterMs: 200, digits: '1' },
    })
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
    page.on('pageerror', (e) => process.stderr.write(`[page ${job}] ${e.message}\n`))
    await page.goto(`${base}/console/`)
    await page.getByTestId('login-job').fill(job)
    await page.getByTestId('login-password').fill(DEMO_PASSWORD)
    await page.getByTestId('login-submit').click()
    await page.getByTestId('me').waitFor()
    return page
  }
  const heard = (page: Page) => page.getByTestId('phone-heard')

  it('takes a call from the browser phone to a caller-confirmed closure', async () => {
    const supervisor = await loginAs('2001')
    await supervisor.goto(`${base}/console/#/rates`)
    await supervisor.getByTestId('rates-by').selectOption('agent')
    const before = await supervisor.getByTestId('rates-table').innerText()

    const agent = await loginAs('1001')
    await agent.getByTestId('phone').waitFor()

    const phone = await (await browser.newContext()).newPage()
    await phone.goto(`${base}/console/phone.html`)
    await phone.getByTestId('caller-number').fill(CALLER)
    await phone.getByTestId('use-number').click()
    await phone.getByTestId('hotline').selectOption('+8657112345')
    await phone.getByTestId('call').click()
    await expect.poll(() => heard(phone).innerText(), { timeout: 20_000 }).toContain('报修请按 1')
    await phone.getByTestId('key-1').click()

    // The screen pop shows who is calling before the agent picks up.
    await agent.getByTestId('screen-pop').waitFor({ timeout: 20_000 })
    await expect.poll(() => agent.getByTestId('pop-number').innerText()).toContain(CALLER)
    await agent.screenshot({ path: `${SHOTS}/agent-screen-pop.png` })
    await agent.getByTestId('phone-answer').click()
    await expect.poll(() => heard(agent).innerText(), { timeout: 20_000 }).toContain('接听请按 1')
    await agent.getByTestId('key-1').click()

    // First owner: the case opens in the workspace.
    await agent.getByTestId('case-view').waitFor({ timeout: 20_000 })
    await expect.poll(() => agent.getByTestId('case-owner').innerText()).toContain('1001')
    const reference = (await agent.getByTestId('case-reference').innerText()).split(' ')[0] ?? ''
    expect(reference).toMatch(/^HL-\d{8}-\d{4}$/)

    // The record, with validation: content is required.
    await agent.getByTestId('field-content').fill('')
    await agent.getByTestId('save-case').click()
    await expect.poll(() => agent.getByTestId('save-message').innerText()).toContain('?')
    await agent.getByTestId('field-place').fill('3号楼 501')
    await agent.getByTestId('field-content').fill('厨房水龙头漏水')
    await agent.getByTestId('field-contactName').fill('王先生')
    await agent.getByTestId('save-case').click()
    await expect.poll(() => agent.getByTestId('save-message').innerText()).toBe('已保存')

    // Warm transfer: the department accepts by itself; the agent brings the caller in.
    await agent.getByTestId('transfer-department').selectOption('engineering')
    await agent.getByTestId('transfer-note').fill('今天派人上门')
    await agent.getByTestId('transfer-start').click()
    await expect
      .poll(() => agent.getByTestId('transfer-status').innerText(), { timeout: 20_000 })
      .toBe('consulting')
    await agent.screenshot({ path: `${SHOTS}/agent-transfer.png` })
    await agent.getByTestId('transfer-bridge').click()
    await expect
      .poll(() => agent.getByTestId('transfer-last').innerText(), { timeout: 20_000 })
      .toContain('bridged')
    await expect.poll(() => agent.getByTestId('case-assignee').innerText()).toContain('engineering')

    // Everyone hangs up; the agent reports the work done.
    await agent.getByTestId('phone-hangup').click()
    await phone.getByTestId('phone-hangup').click()
    await agent.getByTestId('work-summary').fill('更换了水龙头阀芯')
    await agent.getByTestId('work-done').click()
    await expect
      .poll(() => agent.getByTestId('case-status').innerText(), { timeout: 10_000 })
      .toBe('awaiting_confirmation')

    // The confirmation call rings the browser phone; the caller presses 1, then rates 5.
    await phone.getByTestId('phone-answer').click({ timeout: 30_000 })
    await expect
      .poll(() => heard(phone).innerText(), { timeout: 20_000 })
      .toContain(reference.split('').join(' '))
    await phone.screenshot({ path: `${SHOTS}/browser-phone.png` })
    await phone.getByTestId('key-1').click()
    await expect
      .poll(() => heard(phone).innerText(), { timeout: 20_000 })
      .toContain('请为本次服务打分')
    await phone.getByTestId('key-5').click()

    await expect
      .poll(() => agent.getByTestId('case-status').innerText(), { timeout: 20_000 })
      .toBe('closed')
    await agent.screenshot({ path: `${SHOTS}/agent-workspace.png`, fullPage: true })

    await supervisor.reload()
    await supervisor.getByTestId('rates-by').selectOption('agent')
    await expect
      .poll(() => supervisor.getByTestId('rates-table').innerText(), { timeout: 10_000 })
      .not.toBe(before)
    const row = await supervisor.getByTestId('rates-row-1001').innerText()
    expect(row).toContain('1/1')
    await supervisor.screenshot({ path: `${SHOTS}/supervisor-rates.png`, fullPage: true })
    await supervisor.goto(`${base}/console/#/board`)
    await supervisor.getByTestId('board-agents').waitFor()
    await supervisor.screenshot({ path: `${SHOTS}/supervisor-board.png`, fullPage: true })
  }, 120_000)

  it("lets an administrator change who is on duty and an agent's role from the admin page", async () => {
    const admin = await loginAs('9001')
    await admin.goto(`${base}/console/#/admin`)
    await admin.getByTestId('admin-agents').waitFor()
    const person = await ctx.db
      .selectFrom('department_people')
      .select(['id', 'on_duty'])
      .where('client_identity', '=', 'dept-property-2')
      .executeTakeFirstOrThrow()
    await admin.getByTestId(`duty-property-services-${person.id}`).click()
    await expect
      .poll(
        async () =>
          (
            await ctx.db
              .selectFrom('department_people')
              .select('on_duty')
              .where('id', '=', person.id)
              .executeTakeFirstOrThrow()
          ).on_duty,
      )
      .toBe(!person.on_duty)
    await admin
      .getByTestId('admin-agents')
      .locator('tr', { hasText: '1003' })
      .locator('select')
      .selectOption('supervisor')
    await expect
      .poll(
        async () =>
          (
            await ctx.db
              .selectFrom('agents')
              .select('role')
              .where('job_number', '=', '1003')
              .executeTakeFirstOrThrow()
          ).role,
      )
      .toBe('supervisor')
    // The notice catalogue: a new item, as JSON the server checks.
    const items = admin.getByTestId('admin-items')
    await items.getByRole('button', { name: '+' }).click()
    await items.locator('input').first().fill('parking-permit')
    await items.locator('textarea').fill(
      JSON.stringify({
        category: 'inquiry',
        content: {
          'zh-CN': {
            title: '停车证办理',
            bring: ['行驶证'],
            steps: ['前台登记'],
            timeLimit: '当场',
          },
        },
        active: true,
      }),
    )
    await items.getByRole('button', { name: '保存' }).click()
    await expect
      .poll(
        async () =>
          (
            await ctx.db
              .selectFrom('service_items')
              .select('code')
              .where('code', '=', 'parking-permit')
              .executeTakeFirst()
          )?.code,
      )
      .toBe('parking-permit')
    await admin.screenshot({ path: `${SHOTS}/admin.png`, fullPage: true })
  })

  it('keeps agents out of supervisor pages and their APIs', async () => {
    const agent = await loginAs('1002')
    expect(await agent.getByTestId('nav-board').count()).toBe(0)
    await agent.goto(`${base}/console/#/board`)
    await agent.getByTestId('not-allowed').waitFor()
    const status = await agent.evaluate(async () => {
      const r = await Promise.all(
        ['/api/board', '/api/rates?period=2026-11', '/api/agents'].map((p) =>
          fetch(p).then((x) => x.status),
        ),
      )
      const change = await fetch('/api/departments/engineering', {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', 'x-shouwen-console': '1' },
        body: JSON.stringify({ active: false }),
      })
      const queues = await fetch('/console/queues')
      return [...r, change.status, queues.status]
    })
    expect(status).toEqual([403, 403, 403, 403, 403])
    // A change sent with the agent's cookie from another site (no console header, a foreign
    // Origin: what a forged form would send) is refused.
    const forged = await agent.context().request.put(`${base}/api/me/presence`, {
      headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
      data: { presence: 'away', reason: 'forged' },
    })
    expect(forged.status()).toBe(403)
  })
})
