import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { demoEnv } from '../../scripts/demo-env.ts'
import type { AppContext } from '../../src/context.ts'
import { spell } from '../../src/domain/prompts.ts'
import type { SimEvent } from '../../src/telephony/simulator/simulator.ts'
import {
  readmeWalkthrough,
  startShell,
  startTerminal,
  type WalkStep,
} from '../helpers/readme-walkthrough.ts'
import { type RunningService, startSimulatedService, until } from '../helpers/service.ts'

/**
 * The README's first walkthrough, followed word for word on a clean database: the service runs
 * as `npm run demo` runs it, every `caller>`/`agent>` line is typed into `npm run simulate`, and
 * every ```sh block runs in one shell (the reader's third terminal). Each step is checked against
 * what the README says happens; a step added, dropped or changed there fails here.
 */

const CLI = new URL('../../src/telephony/simulator/cli.ts', import.meta.url).pathname
const README = new URL('../../README.md', import.meta.url).pathname
const DEMO_CALLER = '+8613800138000'
const AGENT_1001 = 'client:agent-1001'

type Check = (out: string) => Promise<void> | void

describe('the README walkthrough', () => {
  let service: RunningService
  let ctx: AppContext
  let terminal: ReturnType<typeof startTerminal>
  let shell: ReturnType<typeof startShell>
  const events: SimEvent[] = []
  let ref = ''

  beforeAll(async () => {
    // As `npm run demo` sets them (scripts/demo-env.ts): at any hour, ten seconds after "work done".
    // Everything else at its default (not the faster test settings), as the demo runs.
    service = await startSimulatedService(
      {
        ...demoEnv({}),
        RING_TIMEOUT_SECONDS: '16',
        DISPATCH_SWEEP_MS: '5000',
      },
      {},
    )
    ctx = service.ctx
    service.sim.subscribe((e) => events.push(e))
    terminal = startTerminal(CLI, service.base)
    shell = startShell()
    await terminal.waitFor('the terminal connected', /Type help for commands/)
  })
  afterAll(async () => {
    shell?.stop()
    await terminal?.stop()
    await service?.stop()
  })

  const kase = () =>
    ctx.db
      .selectFrom('cases')
      .leftJoin('agents', 'agents.id', 'cases.first_owner_id')
      .leftJoin('departments', 'departments.id', 'cases.assignee_department_id')
      .select(['cases.id', 'cases.status', 'cases.satisfaction', 'cases.assignee_due_at'])
      .select(['agents.job_number as owner', 'departments.code as assignee'])
      .where('cases.reference', '=', ref)
      .executeTakeFirstOrThrow()
  const transfer = () =>
    ctx.db
      .selectFrom('transfers')
      .innerJoin('cases', 'cases.id', 'transfers.case_id')
      .select(['transfers.id', 'transfers.status', 'transfers.leg_call_sid'])
      .where('cases.reference', '=', ref)
      .executeTakeFirst()
  /** The caller's own conference, which the agent and the department join. */
  const room = () =>
    service.sim
      .snapshot()
      .conferences.find((c) => c.status !== 'completed' && c.name === `call-${callerCall()?.sid}`)
  const said = (callSid: string) =>
    events.flatMap((e) => (e.type === 'say' && e.callSid === callSid ? [e.text] : []))
  const callerCall = () =>
    service.sim.snapshot().calls.find((c) => c.from === DEMO_CALLER && c.direction === 'inbound')
  let agentLeg = ''
  let workDoneAt = 0

  /** What the README says each step does, in its order; `text` must match the README's line. */
  const expected: { text: RegExp; check: Check }[] = [
    // Started by beforeAll, as these two commands start them.
    { text: /npm run demo/, check: () => {} },
    { text: /^npm run simulate/, check: () => {} },
    {
      text: /^caller> agent 1001 /,
      check: () =>
        terminal.waitFor('agent 1001 ready', /Agent 1001 .* is ready at client:agent-1001/),
    },
    {
      text: /^caller> call /,
      check: () => terminal.waitFor('the menu', /\[caller CA…\w{4}\] ⌨ {2}waiting for 1 key/),
    },
    {
      text: /^caller> press 1 /,
      check: async () => {
        await terminal.waitFor('hold music', /\[caller CA…\w{4}\] 🎵 playing/)
        await terminal.waitFor('agent 1001 rung', /\[agent 1001 CA…\w{4}\] ☎ {2}incoming call/)
      },
    },
    {
      text: /^agent> answer /,
      check: () =>
        terminal.waitFor('the whisper', /\[agent 1001 CA…\w{4}\] 🔊 "Hotline call\. Case H L - /),
    },
    {
      text: /^agent> press 1 /,
      check: async () => {
        const m = await terminal.waitFor(
          'the reference printed',
          /📋 case (HL-\d{8}-\d{4}), first owner agent 1001\. For curl: REF=(\S+)$/m,
        )
        expect(m[2]).toBe(m[1])
        ref = m[1] ?? ''
        expect(await kase()).toMatchObject({ owner: '1001', status: 'open' })
        const talking = await until('caller and agent talking', () => {
          const r = room()
          return r?.status === 'in-progress' && r.participants.length === 2 ? r : undefined
        })
        agentLeg = talking.participants.find((p) => p.callSid !== callerCall()?.sid)?.callSid ?? ''
        expect(service.sim.snapshot().calls.find((c) => c.sid === agentLeg)?.to).toBe(AGENT_1001)
        // The reader pastes the REF=… line the simulator printed into the third terminal.
        await shell.run(`REF=${ref}`)
      },
    },
    {
      text: /^TOKEN=\$\(curl -s -XPOST localhost:3000\/api\/auth\/login /,
      check: async () => {
        expect((await shell.value('TOKEN')).length).toBeGreaterThan(20)
        expect(await shell.value('REF')).toBe(ref)
      },
    },
    {
      text: /^agent> autodept engineering /,
      check: () => terminal.waitFor('engineering played', /will answer by themselves and press 1/),
    },
    {
      text: /^TRANSFER=\$\(curl -s -XPOST localhost:3000\/api\/cases\/\$REF\/transfers /,
      check: async () => {
        const t = await until('the department accepted', async () => {
          const row = await transfer()
          return row?.status === 'consulting' ? row : undefined
        })
        expect(await shell.value('TRANSFER')).toBe(t.id)
        const k = await kase()
        expect(k).toMatchObject({ owner: '1001', assignee: 'engineering', status: 'transferred' })
        expect(k.assignee_due_at).toBeInstanceOf(Date)
        const r = await until('department in, caller on hold', () => {
          const r = room()
          const caller = r?.participants.find((p) => p.callSid === callerCall()?.sid)
          return r?.participants.length === 3 && caller?.hold ? r : undefined
        })
        expect(r.participants.map((p) => p.callSid)).toContain(agentLeg)
        const callerSid = callerCall()?.sid ?? ''
        expect(said(callerSid).some((s) => s.includes('putting you through to Engineering'))).toBe(
          true,
        )
        const sms = service.sim.snapshot().sms.filter((m) => m.to === DEMO_CALLER)
        expect(sms.some((m) => m.body.includes(ref))).toBe(true)
      },
    },
    {
      text: /^curl -s -XPOST localhost:3000\/api\/transfers\/\$TRANSFER\/bridge /,
      check: async () => {
        expect((await transfer())?.status).toBe('bridged')
        await until('caller off hold', () => {
          const caller = room()?.participants.find((p) => p.callSid === callerCall()?.sid)
          return caller?.hold === false
        })
      },
    },
    {
      text: /^agent> hangup /,
      check: async () => {
        // The owner's own leg ends, not the department's: caller and department stay.
        const r = await until('the owner gone', () => {
          const r = room()
          return r?.participants.length === 2 ? r : undefined
        })
        const t = await transfer()
        expect(r.participants.map((p) => p.callSid).sort()).toEqual(
          [callerCall()?.sid, t?.leg_call_sid].sort(),
        )
        const leg = service.sim.snapshot().calls.find((c) => c.sid === agentLeg)
        expect(leg?.status).toBe('completed')
      },
    },
    {
      text: /^caller> state /,
      check: async () => {
        const m = await terminal.waitFor(
          'the state printed',
          /Calls in progress: (\d+)\n(?:.*\n)*?Conference (\S+) \(in-progress\): (.*)\n/,
        )
        expect(m[1]).toBe('2')
        expect(m[3]?.split(', ')).toHaveLength(2)
        expect(room()?.participants).toHaveLength(2)
      },
    },
    {
      text: /^caller> hangup /,
      check: async () => {
        await until('the conference over', () => (room() ? undefined : true))
        expect(await kase()).toMatchObject({ owner: '1001', status: 'transferred' })
      },
    },
    {
      text: /^curl -s -XPOST localhost:3000\/api\/cases\/\$REF\/work-done /,
      check: async (out) => {
        workDoneAt = Date.now()
        expect(JSON.parse(out)).toMatchObject({ status: 'awaiting_confirmation' })
        await terminal.waitFor(
          'the return call ringing the caller',
          /\[caller CA…\w{4}\] ☎ {2}incoming call from/,
          30_000,
        )
        // "ten seconds later", and not much more than that.
        expect(Date.now() - workDoneAt).toBeGreaterThan(8_000)
        expect(Date.now() - workDoneAt).toBeLessThan(25_000)
      },
    },
    {
      text: /^caller> answer /,
      check: async () => {
        await terminal.waitFor('the question', /\[caller CA…\w{4}\] ⌨ {2}waiting for 1 key/)
        const returnCall = service.sim
          .snapshot()
          .calls.find((c) => c.to === DEMO_CALLER && c.status === 'in-progress')
        const words = said(returnCall?.sid ?? '').join(' ')
        expect(words).toContain(spell(ref))
        expect(words).toContain(spell('1001'))
      },
    },
    {
      text: /^caller> press 1 /,
      check: async () => {
        await until('closed by the caller', async () => (await kase()).status === 'closed')
        await terminal.waitFor('asked for a rating', /⌨ {2}waiting for 1 key/)
      },
    },
    {
      text: /^caller> press 5 /,
      check: () => until('rated 5', async () => (await kase()).satisfaction === 5),
    },
    {
      text: /^curl -s localhost:3000\/api\/cases\/\$REF /,
      check: (out) => {
        const body = JSON.parse(out) as {
          case: { status: string; firstOwnerJobNumber: string; assigneeDepartment: object }
          events: { type: string }[]
        }
        expect(body.case).toMatchObject({
          status: 'closed',
          firstOwnerJobNumber: '1001',
          assigneeDepartment: { code: 'engineering' },
        })
        expect(body.events.map((e) => e.type)).toEqual(
          expect.arrayContaining(['transfer_accepted', 'transfer_bridged', 'work_done']),
        )
      },
    },
  ]

  it('runs word for word and does what it says', { timeout: 180_000 }, async () => {
    const steps = readmeWalkthrough(README)
    expect(
      steps.map((s) => s.text.split('\n')[0]),
      'README steps',
    ).toHaveLength(expected.length)
    const port = new URL(service.base).port
    for (const [i, step] of steps.entries()) {
      const want = expected[i]
      if (!want || !want.text.test(step.text)) {
        throw new Error(
          `README walkthrough step ${i + 1} is not what this test follows:\n${step.text}`,
        )
      }
      try {
        const out = await run(step, port)
        expect(terminal.output(), `after: ${step.text}`).not.toMatch(/^✗ /m)
        await want.check(out)
      } catch (e) {
        // What the reader would have seen in the simulator's terminal, to see where it went wrong.
        throw new Error(
          `step ${i + 1}: ${step.text}\n${String(e)}\n--- npm run simulate:\n${terminal.output()}`,
          { cause: e },
        )
      }
    }
  })

  async function run(step: WalkStep, port: string): Promise<string> {
    if (step.kind === 'setup') return ''
    if (step.kind === 'terminal') {
      // The prompt shows whose call the line acts on; the README shows the same.
      expect(await terminal.type(step.command), step.text).toBe(step.role)
      return ''
    }
    const { out, status } = await shell.run(
      step.script.replaceAll('localhost:3000', `localhost:${port}`),
    )
    expect(status, `${step.text}\n${out}`).toBe(0)
    return out
  }
})
