import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inject } from 'vitest'

import type { AppContext } from '../../src/context.ts'
import { consolePageAs, launchChromium } from '../helpers/browser.ts'
import { type RunningService, startSimulatedService, until } from '../helpers/service.ts'

const QUESTION = 'Caller asks us to waive the repair fee; may we?'
const ANSWER = 'Yes, once; note it on the case.'
const REASON = 'The replacement pump is on order from the supplier'

/**
 * Asking the supervisor and asking for an extension, through the console in a real headless
 * Chromium: agent 1001 asks, supervisor 2001 answers on the board, manager 3001 approves.
 */
describe('the console carries escalations and extensions to those who decide them', () => {
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

  async function loginAs(job: string, hash = ''): Promise<Page> {
    const page = await consolePageAs({ browser, base: service.base, problems }, job)
    if (hash) await page.goto(`${service.base}/console/${hash}`)
    return page
  }

  it('one question answered by the supervisor, one extension approved by the manager', async () => {
    const agent = await loginAs('1001')
    const form = agent.getByTestId('new-case')
    await form.getByTestId('new-source').selectOption('walk_in')
    await form.getByTestId('new-phone').fill('+8613900007777')
    await form.getByTestId('new-content').fill('Water pump in the basement is broken')
    await form.getByTestId('new-create').click()
    await agent.getByTestId('case-asks').waitFor()

    const asks = agent.getByTestId('case-asks')
    await asks.getByLabel('请示内容', { exact: true }).fill(QUESTION)
    await asks.getByTestId('ask-submit').click()
    const asked = await until('the question recorded', () =>
      ctx.db.selectFrom('escalations').select('id').executeTakeFirst(),
    )

    const supervisor = await loginAs('2001', '#/board')
    const q = supervisor.getByTestId(`question-${asked.id}`)
    await q.getByLabel('答复', { exact: true }).fill(ANSWER)
    await q.getByRole('button', { name: '答复', exact: true }).click()
    await until('the answer recorded', () =>
      ctx.db
        .selectFrom('escalations')
        .select('answer')
        .where('answer', 'is not', null)
        .executeTakeFirst(),
    )
    // The owner sees the answer on the case.
    await asks.getByText(ANSWER).waitFor()

    const nextYear = new Date().getUTCFullYear() + 1
    await asks.getByLabel('环节', { exact: true }).selectOption('resolution')
    await asks.getByLabel('新的到期时间', { exact: true }).fill(`${nextYear}-01-15T10:00`)
    await asks.getByLabel('延期原因', { exact: true }).fill(REASON)
    await asks.getByTestId('ext-submit').click()
    const requested = await until('the extension requested', () =>
      ctx.db.selectFrom('extension_requests').select('id').executeTakeFirst(),
    )

    const manager = await loginAs('3001', '#/board')
    const x = manager.getByTestId(`extension-${requested.id}`)
    await x.getByLabel('审批意见', { exact: true }).fill('Approved: supplier delay')
    await x.getByRole('button', { name: '批准', exact: true }).click()
    const clock = await until('the clock extended', () =>
      ctx.db
        .selectFrom('case_deadlines as d')
        .innerJoin('agents as a', 'a.id', 'd.extended_by')
        .select(['a.job_number', 'd.due_at', 'd.extension_reason'])
        .where('d.step', '=', 'resolution')
        .executeTakeFirst(),
    )
    expect(clock.job_number).toBe('3001')
    expect(clock.extension_reason).toBe(REASON)
    expect(clock.due_at.getUTCFullYear()).toBe(nextYear)
    await x.waitFor({ state: 'detached' })
    expect(problems).toEqual([])
  })
})
