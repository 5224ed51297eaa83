import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inject } from 'vitest'

import type { AppContext } from '../../src/context.ts'
import type { SimEvent } from '../../src/telephony/simulator/simulator.ts'
import { consolePageAs, launchChromium } from '../helpers/browser.ts'
import { ZH_HOTLINE } from '../helpers/harness.ts'
import { type RunningService, startSimulatedService, until } from '../helpers/service.ts'

/** The few members of an HTMLAudioElement the test reads (the tests have no DOM types). */
interface Player {
  readyState: number
  duration: number
  muted: boolean
  paused: boolean
  play(): Promise<void>
}

/**
 * Recording with no Twilio account: the simulator records the case's conference, posts the
 * signed recording callback, and serves a generated WAV; the case page plays it in Chromium.
 */
describe('a recorded call plays on the case page', () => {
  let ctx: AppContext
  let browser: Browser
  let service: RunningService
  const problems: string[] = []
  const events: SimEvent[] = []

  beforeAll(async () => {
    service = await startSimulatedService()
    ctx = service.ctx
    service.sim.subscribe((e) => events.push(e))
    browser = await launchChromium(inject('chromiumPath'))
  })
  afterAll(async () => {
    await browser?.close()
    await service.stop()
  })

  const loginAs = (job: string): Promise<Page> =>
    consolePageAs({ browser, base: service.base, problems }, job)

  it('records the conference in the simulator and plays it with <audio>', async () => {
    // An administrator turns recording on for the Mandarin hotline, with the notice.
    const admin = await loginAs('9001')
    await admin.goto(`${service.base}/console/#/admin`)
    await admin
      .getByLabel(`录音设置 ${ZH_HOTLINE}`, { exact: true })
      .selectOption('notice', { timeout: 10_000 })
    await until('the setting saved', async () => {
      const h = await ctx.db
        .selectFrom('hotlines')
        .select('recording')
        .where('phone_number', '=', ZH_HOTLINE)
        .executeTakeFirstOrThrow()
      return h.recording === 'notice'
    })
    await ctx.db
      .updateTable('agents')
      .set({ presence: 'away' })
      .where('job_number', '!=', '1001')
      .execute()
    service.sim.registerDevice('client:agent-1001', { autoAnswer: { afterMs: 100, digits: '1' } })

    const { callSid } = await service.sim.placeCall({ from: '+8613812340000', to: ZH_HOTLINE })
    await until('the menu', () => events.find((e) => e.type === 'gather' && e.callSid === callSid))
    // The greeting told the caller before anything was recorded (the simulator reports a
    // <Say> inside the <Gather> as it plays it, which may come after the gather itself).
    await until('the recording notice', () =>
      events.find((e) => e.type === 'say' && e.callSid === callSid && e.text.includes('录音')),
    )
    service.sim.press(callSid, '1')
    await until('the caller bridged to the agent', () => {
      const conf = service.sim.snapshot().conferences.find((c) => c.name === `call-${callSid}`)
      return conf?.status === 'in-progress' ? conf : undefined
    })
    await new Promise((r) => setTimeout(r, 500))
    service.sim.hangup(callSid)
    const row = await until('the recording on the case', () =>
      ctx.db
        .selectFrom('recordings')
        .innerJoin('cases', 'cases.id', 'recordings.case_id')
        .select(['recordings.id', 'recordings.duration_seconds', 'cases.reference'])
        .where('recordings.status', '=', 'completed')
        .executeTakeFirst(),
    )
    expect(row.duration_seconds).toBeGreaterThan(0)

    const agent = await loginAs('1001')
    await agent.getByTestId(`case-${row.reference}`).click()
    const recording = agent.getByTestId('recording')
    await recording.waitFor()
    expect(await recording.innerText()).toContain('1001')
    const audio = recording.locator('audio')
    expect(await audio.getAttribute('src')).toBe(
      `/api/cases/${row.reference}/recordings/${row.id}/audio`,
    )
    // The player loads the WAV through our route: its length is known and it plays.
    await expect
      .poll(() => audio.evaluate((a) => (a as unknown as Player).readyState), { timeout: 10_000 })
      .toBeGreaterThanOrEqual(1)
    const duration = await audio.evaluate((a) => (a as unknown as Player).duration)
    expect(duration).toBeGreaterThan(0)
    const played = await audio.evaluate(async (el) => {
      const a = el as unknown as Player
      a.muted = true
      await a.play()
      return !a.paused
    })
    expect(played).toBe(true)
    await agent.screenshot({ path: 'test-output/screenshots/case-recording.png', fullPage: true })

    // The quality sample's reviewer listens from the sample itself.
    const month = new Date().toISOString().slice(0, 7)
    const [kase, reviewer] = await Promise.all([
      ctx.db
        .selectFrom('cases')
        .select('id')
        .where('reference', '=', row.reference)
        .executeTakeFirstOrThrow(),
      ctx.db
        .selectFrom('agents')
        .select('id')
        .where('job_number', '=', '2001')
        .executeTakeFirstOrThrow(),
    ])
    await ctx.db
      .insertInto('quality_samples')
      .values({ month: `${month}-01`, case_id: kase.id, supervisor_id: reviewer.id })
      .execute()
    const supervisor = await loginAs('2001')
    await supervisor.goto(`${service.base}/console/#/quality`)
    await supervisor.getByTestId(`listen-${row.reference}`).click({ timeout: 10_000 })
    const sampled = supervisor.getByTestId('recording').locator('audio')
    await expect
      .poll(() => sampled.evaluate((a) => (a as unknown as Player).readyState), { timeout: 10_000 })
      .toBeGreaterThanOrEqual(1)
    expect(problems).toEqual([])
  }, 60_000)
})
