import { randomBytes } from 'node:crypto'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inject } from 'vitest'

import { loadDemoData } from '../../src/db/demo-data.ts'
import { DEMO_PASSWORD } from '../../src/db/demo-data.ts'
import { cloneTestDatabase } from '../helpers/databases.ts'
import { ZH_HOTLINE } from '../helpers/harness.ts'
import { families, parsePrometheus, sample } from '../helpers/prometheus.ts'
import type { RoleService } from '../helpers/role-services.ts'
import { signedPost, startRole } from '../helpers/role-services.ts'
import { until } from '../helpers/service.ts'
import { find, parseTwiml } from '../helpers/twiml.ts'

/**
 * A web-only process and a worker-only process on one Postgres and one Redis handle a call end
 * to end: the web takes every webhook and API call, the worker does all the dialling. Each has
 * its own fake Twilio edge, so the test sees which process asked Twilio for what.
 */
describe('SHOUWEN_ROLE=web and SHOUWEN_ROLE=worker together', () => {
  let db: { url: string; drop: () => Promise<void> }
  let web: RoleService
  let worker: RoleService
  const CALLER = '+8613800006666'

  beforeAll(async () => {
    db = await cloneTestDatabase(inject('pgServerUrl'))
    const queuePrefix = `roles${randomBytes(3).toString('hex')}`
    const env = {
      CALLING_HOURS: '00:00-24:00',
      CONFIRMATION_DELAY_SECONDS: '0',
      DISPATCH_SWEEP_MS: '500',
    }
    web = await startRole('web', { databaseUrl: db.url, queuePrefix }, env)
    await loadDemoData(web.ctx.db)
    worker = await startRole(
      'worker',
      { databaseUrl: db.url, queuePrefix, publicBaseUrl: web.base },
      env,
    )
  })
  afterAll(async () => {
    await worker?.stop()
    await web?.stop()
    await db?.drop()
  })

  const createCallsTo = (s: RoleService, to: string) =>
    s.edge.requests.filter((r) => r.operationId === 'CreateCall' && r.data['To'] === to)
  const sidOf = (r: { answer?: unknown } | undefined) =>
    String((r?.answer as { body: { sid: string } }).body.sid)
  const twimlOf = async (res: Response) => {
    expect(res.status).toBe(200)
    return parseTwiml(await res.text())
  }

  it('takes a call, makes a first owner and rings the caller back to close the case', async () => {
    const wdb = web.ctx.db
    await wdb
      .updateTable('agents')
      .set({ presence: 'away' })
      .where('job_number', '!=', '1001')
      .execute()
    const callSid = `CA${randomBytes(16).toString('hex')}`

    // The caller reaches the web process and presses 1 for repairs.
    const menu = await twimlOf(
      await signedPost(`${web.base}/voice/incoming`, {
        CallSid: callSid,
        From: CALLER,
        To: ZH_HOTLINE,
      }),
    )
    const action = find(menu, 'Gather')?.attrs['action'] ?? ''
    await twimlOf(await signedPost(action, { CallSid: callSid, Digits: '1' }))

    // The worker's dispatcher rings agent 1001; the web process asked Twilio for nothing.
    const offer = await until(
      'the worker to ring 1001',
      () => createCallsTo(worker, 'client:agent-1001')[0],
    )
    expect(web.edge.requests.filter((r) => r.operationId === 'CreateCall')).toEqual([])
    expect(String(offer.data['Url'])).toMatch(new RegExp(`^${web.base}/voice/`))

    // 1001's phone answers the web process's whisper and presses 1: the first owner.
    const leg = sidOf(offer)
    const whisper = await twimlOf(await signedPost(String(offer.data['Url']), { CallSid: leg }))
    await twimlOf(
      await signedPost(find(whisper, 'Gather')?.attrs['action'] ?? '', {
        CallSid: leg,
        Digits: '1',
      }),
    )
    const kase = await until('a first owner', () =>
      wdb
        .selectFrom('cases')
        .innerJoin('agents', 'agents.id', 'cases.first_owner_id')
        .select(['cases.id', 'cases.reference', 'agents.job_number'])
        .executeTakeFirst(),
    )
    expect(kase.job_number).toBe('1001')
    await signedPost(`${web.base}/voice/status`, {
      CallSid: callSid,
      CallStatus: 'completed',
      CallDuration: '60',
    })

    // The owner reports the work done on the web API; the worker's return call rings the caller.
    const login = await fetch(`${web.base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jobNumber: '1001', password: DEMO_PASSWORD }),
    })
    const { token } = (await login.json()) as { token: string }
    const done = await fetch(`${web.base}/api/cases/${kase.reference}/work-done`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ summary: 'Replaced the tap' }),
    })
    expect(done.status).toBe(202)
    const back = await until(
      'the worker to ring the caller back',
      () => createCallsTo(worker, CALLER)[0],
    )
    const answer = await twimlOf(
      await signedPost(String(back.data['Url']), { CallSid: sidOf(back), AnsweredBy: 'human' }),
    )
    await twimlOf(
      await signedPost(find(answer, 'Gather')?.attrs['action'] ?? '', {
        CallSid: sidOf(back),
        Digits: '1',
      }),
    )
    const closed = await wdb
      .selectFrom('cases')
      .select(['status', 'closed_by'])
      .where('id', '=', kase.id)
      .executeTakeFirstOrThrow()
    expect(closed).toEqual({ status: 'closed', closed_by: 'caller' })

    // Every dial came from the worker: the offer and the return call, once each.
    expect(web.edge.requests.filter((r) => r.operationId === 'CreateCall')).toEqual([])
    expect(createCallsTo(worker, 'client:agent-1001')).toHaveLength(1)
    expect(createCallsTo(worker, CALLER)).toHaveLength(1)
    web.edge.assertAllValid()
    worker.edge.assertAllValid()

    // Each process reports its own half: webhooks on the web, the return call on the worker.
    const webMetrics = parsePrometheus(await (await fetch(`${web.base}/metrics`)).text())
    const webhooks = 'shouwen_webhook_duration_seconds_count'
    expect(sample(webMetrics, webhooks, { route: '/voice/incoming', status_class: '2xx' })).toBe(1)
    const workerText = await (await fetch(`${worker.base}/metrics`)).text()
    const workerMetrics = parsePrometheus(workerText)
    // The family is declared on every role; the worker has no webhook to time.
    expect(families(workerText)).toContain('shouwen_webhook_duration_seconds')
    expect(workerMetrics.filter((s) => s.name.startsWith('shouwen_webhook_'))).toEqual([])
    expect(
      sample(workerMetrics, 'shouwen_callback_lateness_seconds_count', { purpose: 'confirmation' }),
    ).toBe(1)
    expect(
      sample(workerMetrics, 'shouwen_twilio_request_duration_seconds_count', {
        endpoint: 'Calls',
        method: 'POST',
        status_class: '2xx',
      }),
    ).toBe(2)
  })

  it('serves only health and metrics on the worker, and says which role each process runs', async () => {
    expect((await fetch(`${worker.base}/healthz`)).status).toBe(200)
    expect(await (await fetch(`${worker.base}/readyz`)).json()).toMatchObject({
      status: 'ready',
      role: 'worker',
      checks: { postgres: 'ok', redis: 'ok', migrations: 'ok' },
    })
    expect(await (await fetch(`${web.base}/readyz`)).json()).toMatchObject({ role: 'web' })
    expect((await fetch(`${worker.base}/metrics`)).status).toBe(200)
    // Webhooks, the API and the console are the web's: a misrouted request fails loudly.
    const incoming = await signedPost(`${worker.base}/voice/incoming`, {
      CallSid: `CA${'0'.repeat(32)}`,
      From: CALLER,
      To: ZH_HOTLINE,
    })
    expect(incoming.status).toBe(404)
    expect((await fetch(`${worker.base}/api/cases`)).status).toBe(404)
    expect((await fetch(`${worker.base}/api/auth/login`, { method: 'POST' })).status).toBe(404)
    expect((await fetch(`${worker.base}/console/`)).status).toBe(404)
  })
})
