import { mkdirSync } from 'node:fs'

import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { inject } from 'vitest'

import type { AppContext } from '../../src/context.ts'
import { DEMO_PASSWORD } from '../../src/db/demo-data.ts'
import { MISSED_OFFERS_PAUSE_REASON } from '../../src/domain/missed-offers.ts'
import { launchChromium } from '../helpers/browser.ts'
import { type RunningService, startSimulatedService } from '../helpers/service.ts'

const SHOTS = 'test-output/screenshots'
const CALLER = '+8613900005555'
// Short, so the test sees an agent's after-call work end; long enough to see it shown.
const WRAP_UP_SECONDS = 8

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
      {
        RING_TIMEOUT_SECONDS: '30',
        CONFIRMATION_DELAY_SECONDS: '0',
        CALLING_HOURS: '00:00-24:00',
        WRAP_UP_SECONDS: String(WRAP_UP_SECONDS),
      },
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

  // Every page a test opens is watched: a console error, an uncaught exception, a failed request
  // or an answer >= 400 that the test did not announce fails the test.
  let problems: string[] = []
  let expected: { status: number; path: RegExp }[] = []
  let contexts: BrowserContext[] = []
  afterEach(async () => {
    for (const c of contexts) await c.close()
    const found = problems
    problems = []
    expected = []
    contexts = []
    expect(found).toEqual([])
  })
  /** An error answer this test provokes on purpose (and the browser's log line about it). */
  const expectFailure = (status: number, path: RegExp) => expected.push({ status, path })

  async function newPage(who: string, viewport = { width: 1400, height: 1000 }): Promise<Page> {
    const context = await browser.newContext({ viewport })
    contexts.push(context)
    const page = await context.newPage()
    page.on('pageerror', (e) => problems.push(`[${who}] uncaught: ${e.message}`))
    page.on('console', (m) => {
      // Chromium logs every answer >= 400 this way; those are judged by status below.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
        problems.push(`[${who}] console error: ${m.text()}`)
    })
    page.on('response', (r) => {
      const path = new URL(r.url()).pathname
      if (r.status() >= 400 && !expected.some((e) => e.status === r.status() && e.path.test(path)))
        problems.push(`[${who}] ${r.status()} ${r.request().method()} ${path}`)
    })
    page.on('requestfailed', (r) => {
      // Leaving or reloading a page aborts its live stream: that is not a failure.
      if (r.failure()?.errorText !== 'net::ERR_ABORTED')
        problems.push(`[${who}] request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`)
    })
    return page
  }

  /** Fields by their label only (exact, as a screen reader announces them). */
  const field = (page: Page, label: string) => page.getByLabel(label, { exact: true })

  async function loginAs(job: string): Promise<Page> {
    const page = await newPage(job)
    await page.goto(`${base}/console/`)
    await field(page, '工号').fill(job)
    await field(page, '密码').fill(DEMO_PASSWORD)
    await page.getByTestId('login-submit').click()
    await page.getByTestId('me').waitFor()
    return page
  }
  const heard = (page: Page) => page.getByTestId('phone-heard')

  it('takes a call from the browser phone to a caller-confirmed closure', async () => {
    const supervisor = await loginAs('2001')
    await supervisor.goto(`${base}/console/#/rates`)
    await field(supervisor, '维度').selectOption('agent')
    const before = await supervisor.getByTestId('rates-table').innerText()

    const agent = await loginAs('1001')
    await agent.getByTestId('phone').waitFor()

    const phone = await newPage('phone', { width: 1000, height: 800 })
    await phone.goto(`${base}/console/phone.html`)
    await field(phone, '来电人').fill(CALLER)
    await phone.getByTestId('use-number').click()
    await field(phone, '热线').selectOption('+8657112345')
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
    await field(agent, '内容').fill('')
    await agent.getByTestId('save-case').click()
    await expect.poll(() => agent.getByTestId('save-message').innerText()).toContain('?')
    await field(agent, '地点').fill('3号楼 501')
    await field(agent, '内容').fill('厨房水龙头漏水')
    await field(agent, '联系人').fill('王先生')
    await field(agent, '紧急程度').selectOption('urgent')
    await agent.getByTestId('save-case').click()
    await expect.poll(() => agent.getByTestId('save-message').innerText()).toBe('已保存')

    // Warm transfer: the department accepts by itself; the agent brings the caller in.
    await field(agent, '转办部门').selectOption('engineering')
    await field(agent, '转接方式').selectOption('warm')
    await field(agent, '备注').fill('今天派人上门')
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

    // Everyone hangs up: the agent does their after-call work (话后整理), shown in the
    // workspace and on the board, then is available again by themselves.
    // The board is open first, so it must show the wrap-up as it happens (a live update).
    await supervisor.goto(`${base}/console/#/board`)
    await supervisor.getByTestId('board-presence-1001').waitFor({ timeout: 10_000 })
    await agent.getByTestId('phone-hangup').click()
    await agent.getByTestId('wrap-up').waitFor({ timeout: 10_000 })
    expect(await agent.getByTestId('wrap-up').innerText()).toContain('话后整理')
    await expect
      .poll(() => supervisor.getByTestId('board-presence-1001').innerText(), {
        timeout: (WRAP_UP_SECONDS - 2) * 1000,
      })
      .toContain('话后整理')
    await expect
      .poll(() => agent.getByTestId('presence-available').getAttribute('aria-pressed'), {
        timeout: (WRAP_UP_SECONDS + 10) * 1000,
      })
      .toBe('true')
    expect(await agent.getByTestId('wrap-up').count()).toBe(0)
    await expect
      .poll(() => supervisor.getByTestId('board-presence-1001').innerText(), { timeout: 10_000 })
      .toBe('空闲')
    await phone.getByTestId('phone-hangup').click()
    await field(agent, '处理结果').fill('更换了水龙头阀芯')
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

    await supervisor.goto(`${base}/console/#/rates`)
    await field(supervisor, '维度').selectOption('agent')
    await expect
      .poll(() => supervisor.getByTestId('rates-table').innerText(), { timeout: 10_000 })
      .not.toBe(before)
    const row = await supervisor.getByTestId('rates-row-1001').innerText()
    expect(row).toContain('1/1')
    // The service level below the rates: the one call, offered and answered by 1001.
    await field(supervisor, '维度 (接通率 service level)').selectOption('agent')
    await supervisor.getByTestId('sl-row-1001').waitFor()
    expect((await supervisor.getByTestId('sl-row-all').innerText()).split('\t')[1]).toBe('1')
    await supervisor.screenshot({ path: `${SHOTS}/supervisor-rates.png`, fullPage: true })
    await supervisor.goto(`${base}/console/#/board`)
    await supervisor.getByTestId('board-agents').waitFor()
    // Today so far: that call is the day's one offered call.
    expect(await supervisor.getByTestId('today-offered').innerText()).toBe('1')
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
    await field(admin, '角色 1003').selectOption('supervisor')
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
    await field(admin, '事项代码').fill('parking-permit')
    await field(admin, '内容（JSON）').fill(
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

  it('offers 中文 / English before login, remembers it, and says errors in the page language', async () => {
    const page = await newPage('login')
    const loads: string[] = []
    page.on('request', (r) => loads.push(new URL(r.url()).pathname))
    await page.goto(`${base}/console/`)
    await field(page, '工号').waitFor()
    // Logged out: the start-up config answers without a session (no 401), the icon is there.
    expect(loads).toContain('/api/console/config')
    expect(loads).toContain('/console/favicon.svg')
    expect(await page.getByTestId('simulator-banner').innerText()).toContain('演示模式')
    await page.screenshot({ path: `${SHOTS}/login-zh.png` })

    await page.getByRole('button', { name: 'English' }).click()
    await field(page, 'Job number').waitFor()
    expect(await page.getAttribute('html', 'lang')).toBe('en-US')
    await page.reload()
    await field(page, 'Job number').fill('1001')
    await field(page, 'Password').fill('wrong password')
    expectFailure(401, /^\/api\/auth\/login$/)
    await page.getByTestId('login-submit').click()
    await expect
      .poll(() => page.getByTestId('login-error').innerText())
      .toBe('Wrong job number or password.')

    await page.getByRole('button', { name: '中文' }).click()
    await page.getByTestId('login-submit').click()
    await expect.poll(() => page.getByTestId('login-error').innerText()).toBe('工号或密码错误。')
    await field(page, '密码').fill(DEMO_PASSWORD)
    await page.getByTestId('login-submit').click()
    await page.getByTestId('me').waitFor()
    // The language chosen before login stays after it, and the pause reason has its label.
    await field(page, '暂停原因').fill('培训')
    await page.getByTestId('presence-away').click()
    await expect
      .poll(() => page.getByTestId('presence-away').getAttribute('aria-pressed'))
      .toBe('true')
    // The card says why the agent is away, in their words, or the service's when it set them
    // away after calls rang out (MISSED_OFFERS_BEFORE_AWAY): the presence change reaches the page
    // live.
    await expect.poll(() => page.getByTestId('away-reason').innerText()).toBe('暂停原因: 培训')
    await page.getByTestId('presence-available').click()
    await expect.poll(() => page.getByTestId('away-reason').count()).toBe(0)
    // What stepAwayAfterMissedOffers writes.
    await ctx.db
      .updateTable('agents')
      .set({ presence: 'away', pause_reason: MISSED_OFFERS_PAUSE_REASON })
      .where('job_number', '=', '1001')
      .execute()
    await expect
      .poll(() => page.getByTestId('away-reason').innerText(), { timeout: 10_000 })
      .toBe(`暂停原因: ${MISSED_OFFERS_PAUSE_REASON}`)
  })

  it("lets an administrator rename a category in both languages, and shows the server's refusal in Mandarin", async () => {
    const admin = await loginAs('9001')
    await admin.goto(`${base}/console/#/admin`)
    const cats = admin.getByTestId('admin-categories')
    await cats.getByRole('button', { name: '编辑 repair' }).click()
    await field(admin, '中文名称').fill('维修报修')
    await field(admin, '英文名称').fill('Repairs and maintenance')
    await admin.getByTestId('category-edit').getByRole('button', { name: '保存' }).click()
    await expect
      .poll(() => admin.getByTestId('category-repair').innerText())
      .toContain('Repairs and maintenance')
    const row = await ctx.db
      .selectFrom('categories')
      .select(['name_zh', 'name_en'])
      .where('code', '=', 'repair')
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ name_zh: '维修报修', name_en: 'Repairs and maintenance' })

    // An empty name is refused by the server; the page says so in its own language.
    await cats.getByRole('button', { name: '编辑 repair' }).click()
    await field(admin, '英文名称').fill('')
    expectFailure(400, /^\/api\/admin\/categories\/repair$/)
    await admin.getByTestId('category-edit').getByRole('button', { name: '保存' }).click()
    await expect.poll(() => cats.getByRole('alert').innerText()).toBe('输入有误，请检查后重试。')
    const unchanged = await ctx.db
      .selectFrom('categories')
      .select('name_en')
      .where('code', '=', 'repair')
      .executeTakeFirstOrThrow()
    expect(unchanged.name_en).toBe('Repairs and maintenance')
    await admin.screenshot({ path: `${SHOTS}/admin-categories.png`, fullPage: true })
  })

  it('keeps agents out of supervisor pages and their APIs', async () => {
    const agent = await loginAs('1002')
    expect(await agent.getByTestId('nav-board').count()).toBe(0)
    await agent.goto(`${base}/console/#/board`)
    await agent.getByTestId('not-allowed').waitFor()
    // The refusals this test provokes on purpose.
    expectFailure(403, /^\/api\/(board|rates|agents|departments\/engineering)$/)
    expectFailure(403, /^\/console\/queues$/)
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
