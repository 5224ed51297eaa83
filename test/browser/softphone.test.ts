import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { inject } from 'vitest'

import type { AppContext } from '../../src/context.ts'
import { DEMO_PASSWORD, loadDemoData } from '../../src/db/demo-data.ts'
import { startService } from '../../src/main.ts'
import { launchChromium } from '../helpers/browser.ts'
import { cloneTestDatabase } from '../helpers/databases.ts'
import { createFakeTwilioEdge } from '../helpers/fake-twilio-edge.ts'
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN } from '../helpers/harness.ts'
import { freePort } from '../helpers/service.ts'

/**
 * The workspace's softphone in a real Chromium against the service in live mode, Twilio's REST
 * edge faked. This machine has no route to Twilio's signalling servers, so the Voice SDK's
 * failure to register is real: the page must say so, and set the agent away.
 */
describe('the browser softphone on live Twilio, in Chromium', () => {
  let ctx: AppContext
  let base: string
  let browser: Browser
  let stop: () => Promise<void>

  beforeAll(async () => {
    const db = await cloneTestDatabase(inject('pgServerUrl'))
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    const edge = createFakeTwilioEdge()
    const started = await startService(
      {
        PORT: String(port),
        PUBLIC_BASE_URL: base,
        TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
        TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
        TWILIO_API_KEY_SID: `SK${'a'.repeat(32)}`,
        TWILIO_API_KEY_SECRET: 'softphone-browser-secret-0123456789',
        TWILIO_TWIML_APP_SID: `AP${'b'.repeat(32)}`,
        DATABASE_URL: db.url,
        REDIS_URL: inject('redisUrl'),
        QUEUE_PREFIX: `sp${port}`,
        LOG_LEVEL: 'silent',
      },
      { twilioHttpClient: edge.httpClient },
    )
    ctx = started.ctx
    await loadDemoData(ctx.db)
    stop = async () => {
      await started.stop()
      await db.drop()
    }
    // A fake microphone, so the only thing missing is Twilio itself.
    browser = await launchChromium(inject('chromiumPath'), [
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
    ])
  })
  afterAll(async () => {
    await browser?.close()
    await stop?.()
  })

  let contexts: BrowserContext[] = []
  let uncaught: string[] = []
  let ours: string[] = []
  let blocked: string[] = []
  let answered: string[] = []
  afterEach(async () => {
    for (const c of contexts) await c.close()
    contexts = []
    // No uncaught error, no failed request to the service, nothing blocked by our own CSP.
    expect({ uncaught, ours, blocked }).toEqual({ uncaught: [], ours: [], blocked: [] })
    uncaught = []
    answered = []
    ours = []
    blocked = []
  })

  async function workspace(job: string, o: { microphone: boolean }): Promise<Page> {
    const context = await browser.newContext({ permissions: o.microphone ? ['microphone'] : [] })
    contexts.push(context)
    const page = await context.newPage()
    page.on('pageerror', (e) => uncaught.push(e.message))
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) blocked.push(m.text())
    })
    page.on('response', (r) => {
      if (!r.url().startsWith(base)) return
      const seen = `${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`
      answered.push(seen)
      if (r.status() >= 400) ours.push(seen)
    })
    await page.goto(`${base}/console/`)
    await page.getByLabel('工号', { exact: true }).fill(job)
    await page.getByLabel('密码', { exact: true }).fill(DEMO_PASSWORD)
    await page.getByTestId('login-submit').click()
    await page.getByTestId('me').waitFor()
    return page
  }
  /** A walk-in case recorded by `job` (who becomes its first owner) for a caller's phone. */
  async function walkIn(job: string, phone: string): Promise<string> {
    const post = async (path: string, body: unknown, token?: string) => {
      const res = await fetch(`${base}/api${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token && { authorization: `Bearer ${token}` }),
        },
        body: JSON.stringify(body),
      })
      return (await res.json()) as Record<string, unknown>
    }
    const { token } = await post('/auth/login', { jobNumber: job, password: DEMO_PASSWORD })
    const created = await post(
      '/cases',
      { source: 'walk_in', caller: { phone }, content: 'street light out' },
      String(token),
    )
    return String((created['case'] as { reference: string }).reference)
  }
  const state = (page: Page) =>
    page.getByTestId('softphone-state').getAttribute('data-state', { timeout: 1000 })
  const presenceOf = async (job: string) =>
    ctx.db
      .selectFrom('agents')
      .select(['presence', 'pause_reason'])
      .where('job_number', '=', job)
      .executeTakeFirstOrThrow()

  it('fetches a token, loads the Voice SDK, and says clearly that Twilio cannot be reached', async () => {
    await ctx.db
      .updateTable('agents')
      .set({ presence: 'available' })
      .where('job_number', '=', '1001')
      .execute()
    const page = await workspace('1001', { microphone: true })
    // The service answered the token and the SDK; the SDK then defined Twilio.Device. Generous
    // timeouts: with the whole suite running beside it, the SDK's own connection attempt can
    // take a few seconds to give up (a 1-s default failed once in CI).
    const slow = { timeout: 15_000 }
    await expect.poll(() => answered, slow).toContain('200 POST /api/me/voice-token')
    await expect.poll(() => answered, slow).toContain('200 GET /console/vendor/twilio-voice.js')
    await expect
      .poll(() => presenceOf('1001'), slow)
      .toEqual({
        presence: 'away',
        pause_reason: 'softphone: unreachable',
      })
    await expect
      .poll(() => page.getByTestId('presence-away').getAttribute('aria-pressed'), slow)
      .toBe('true')
    await page.screenshot({ path: 'test-output/screenshots/softphone-unreachable.png' })

    // On the agent's case, "Call the caller" names the caller's number, and cannot be used while
    // the softphone cannot reach Twilio.
    const reference = await walkIn('1001', '+8613900007777')
    await page.reload()
    await page.getByTestId(`case-${reference}`).click()
    const button = page.getByTestId('call-caller')
    await expect.poll(() => button.innerText(), { timeout: 20_000 }).toContain('+8613900007777')
    expect(await button.isDisabled()).toBe(true)
  })

  it('says the microphone was refused, and sets the agent away', async () => {
    await ctx.db
      .updateTable('agents')
      .set({ presence: 'available' })
      .where('job_number', '=', '1002')
      .execute()
    const context = await browser.newContext()
    contexts.push(context)
    // Refused by the browser: the page asks, the user (here, the test) says no.
    await context.addInitScript({
      content: `navigator.mediaDevices.getUserMedia = () =>
        Promise.reject(new DOMException('Permission denied', 'NotAllowedError'))`,
    })
    const page = await context.newPage()
    page.on('pageerror', (e) => uncaught.push(e.message))
    await page.goto(`${base}/console/`)
    await page.getByLabel('工号', { exact: true }).fill('1002')
    await page.getByLabel('密码', { exact: true }).fill(DEMO_PASSWORD)
    await page.getByTestId('login-submit').click()
    await expect.poll(() => state(page), { timeout: 20_000 }).toBe('mic_refused')
    await expect
      .poll(() => presenceOf('1002'))
      .toEqual({
        presence: 'away',
        pause_reason: 'softphone: mic_refused',
      })
  })

  it('does not register while the agent is away', async () => {
    await ctx.db
      .updateTable('agents')
      .set({ presence: 'away', pause_reason: 'lunch' })
      .where('job_number', '=', '1003')
      .execute()
    const page = await workspace('1003', { microphone: true })
    await page.getByTestId('softphone').waitFor()
    // Stays off: no token fetched, nothing to Twilio, the pause reason untouched.
    await page.waitForTimeout(1500)
    expect(await state(page)).toBe('off')
    expect(await presenceOf('1003')).toEqual({ presence: 'away', pause_reason: 'lunch' })
  })
})
