import { randomBytes } from 'node:crypto'

import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'

import { periodicDuties } from '../../src/beats/duties.ts'
import { dialCallback } from '../../src/callbacks/dialer.ts'
import { runDispatch } from '../../src/calls/dispatcher.ts'
import { prompts } from '../../src/domain/prompts.ts'
import { runRecordingRetention } from '../../src/recordings/recordings-retention.ts'
import { answerAndPress, callIn, createdCalls } from '../helpers/call-steps.ts'
import { caseAwaitingConfirmation } from '../helpers/case-steps.ts'
import { FAKE_MP3 } from '../helpers/fake-twilio-edge.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock, PUBLIC_BASE_URL, ZH_HOTLINE } from '../helpers/harness.ts'
import { liveCall, login } from '../helpers/live-call.ts'
import { allText, find, parseTwiml } from '../helpers/twiml.ts'

const recordingSid = () => `RE${randomBytes(16).toString('hex')}`
const RECORDING_URL = `${PUBLIC_BASE_URL}/voice/recording-status`

describe('call recording', () => {
  let h: Harness
  afterEach(async () => {
    h.edge.assertAllValid()
    await h.close()
  })
  const api = () => request(h.app)
  const setRecording = async (mode: string) =>
    api()
      .patch(`/api/admin/hotlines/${ZH_HOTLINE}`)
      .set(await login(h, '9001'))
      .send({ recording: mode })
  const hotlineRow = () =>
    h.ctx.db
      .selectFrom('hotlines')
      .select('recording')
      .where('phone_number', '=', ZH_HOTLINE)
      .executeTakeFirstOrThrow()
  const hotlineEvents = () =>
    h.ctx.db.selectFrom('admin_events').selectAll().where('entity', '=', 'hotline').execute()

  it('is set per hotline by administrators only, audited; bad values change nothing', async () => {
    h = await createHarness()
    const admin = await login(h, '9001')
    for (const job of ['1001', '2001']) {
      const r = await api()
        .patch(`/api/admin/hotlines/${ZH_HOTLINE}`)
        .set(await login(h, job))
        .send({ recording: 'notice' })
      expect(r.status).toBe(403)
    }
    const bad = [
      { recording: 'always' },
      { recording: null },
      {},
      { recording: 'notice', extra: 1 },
    ]
    for (const body of bad) {
      const r = await api().patch(`/api/admin/hotlines/${ZH_HOTLINE}`).set(admin).send(body)
      expect(r.status, JSON.stringify(body)).toBe(400)
    }
    const unknown = await api()
      .patch('/api/admin/hotlines/+8610000000')
      .set(admin)
      .send({ recording: 'notice' })
    expect(unknown.status).toBe(404)
    expect(await hotlineRow()).toEqual({ recording: 'off' })
    expect(await hotlineEvents()).toEqual([])

    const ok = await setRecording('notice')
    expect(ok.status).toBe(200)
    expect(ok.body).toMatchObject({ result: 'updated', hotline: { recording: 'notice' } })
    expect((await setRecording('notice')).body.result).toBe('unchanged')
    expect(await hotlineRow()).toEqual({ recording: 'notice' })
    const events = await hotlineEvents()
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({
      entity_key: ZH_HOTLINE,
      action: 'updated',
      before: { recording: 'off' },
      after: { recording: 'notice' },
    })
    const changes = await api().get('/api/admin/changes?entity=hotline').set(admin)
    expect(changes.body.changes).toHaveLength(1)
    const list = await api()
      .get('/api/admin/hotlines')
      .set(await login(h, '2001'))
    expect(list.body.hotlines).toContainEqual(
      expect.objectContaining({ number: ZH_HOTLINE, recording: 'notice' }),
    )
  })

  it('plays the notice in the greeting for `notice` only, and records the conference when on', async () => {
    h = await createHarness()
    const notice = prompts('zh-CN').recordingNotice
    expect(allText((await callIn(h)).menu)).not.toContain(notice)
    // Off: neither the caller's nor the agent's <Conference> records.
    const offCall = await conferenceSeats()
    for (const seat of [offCall.caller, offCall.agent]) {
      expect(seat?.name).toBe('Conference')
      expect(seat?.attrs).not.toHaveProperty('record')
      expect(seat?.attrs).not.toHaveProperty('recordingStatusCallback')
    }
    await h.ctx.db.deleteFrom('agent_offers').execute()

    await setRecording('silent')
    expect(allText((await callIn(h)).menu)).not.toContain(notice)
    await setRecording('notice')
    const greeted = (await callIn(h)).menu
    expect(allText(greeted)).toContain(notice)
    const on = await conferenceSeats()
    for (const seat of [on.caller, on.agent]) {
      expect(seat?.attrs).toMatchObject({
        record: 'record-from-start',
        recordingStatusCallback: RECORDING_URL,
        recordingStatusCallbackMethod: 'POST',
        recordingStatusCallbackEvent: 'completed absent',
      })
    }
  })

  /** A caller queued and agent 1001 accepting: both seats' <Conference>. */
  async function conferenceSeats() {
    await h.ctx.db
      .updateTable('agents')
      .set({ presence: 'away' })
      .where('job_number', '!=', '1001')
      .execute()
    await h.ctx.db
      .updateTable('agents')
      .set({ presence: 'available' })
      .where('job_number', '=', '1001')
      .execute()
    const { sid, action } = await callIn(h)
    const queued = parseTwiml((await h.twilioPost(action, { CallSid: sid, Digits: '1' })).text)
    await runDispatch(h.ctx)
    const offer = createdCalls(h)
      .filter((c) => c.data['To'] === 'client:agent-1001')
      .at(-1)
    const accepted = await answerAndPress(h, offer)
    return { caller: find(queued, 'Conference'), agent: find(accepted, 'Conference') }
  }

  it('keeps one row and one timeline event per recording under retries; refuses unsigned', async () => {
    h = await createHarness()
    await setRecording('notice')
    const call = await liveCall(h)
    const sid = recordingSid()
    const params = {
      AccountSid: `AC${'1'.repeat(32)}`,
      ConferenceSid: call.conferenceSid,
      RecordingSid: sid,
      RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/AC${'1'.repeat(32)}/Recordings/${sid}`,
      RecordingStatus: 'completed',
      RecordingDuration: '42',
      RecordingChannels: '1',
      RecordingSource: 'Conference',
      RecordingStartTime: 'Mon, 23 Nov 2026 02:00:05 +0000',
    }
    const unsigned = await h.twilioPost('/voice/recording-status', params, { signature: null })
    expect(unsigned.status).toBe(403)
    const forged = await h.twilioPost('/voice/recording-status', params, { signature: 'x' })
    expect(forged.status).toBe(403)
    expect(await h.ctx.db.selectFrom('recordings').selectAll().execute()).toEqual([])

    for (let i = 0; i < 3; i++) {
      expect((await h.twilioPost('/voice/recording-status', params)).status).toBe(200)
    }
    // A late in-progress after completed moves nothing back.
    const late = { ...params, RecordingStatus: 'in-progress', RecordingDuration: '' }
    expect((await h.twilioPost('/voice/recording-status', late)).status).toBe(200)
    const bad = await h.twilioPost('/voice/recording-status', { ...params, RecordingSid: 'RE1' })
    expect(bad.status).toBe(400)

    const rows = await h.ctx.db.selectFrom('recordings').selectAll().execute()
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({
      recording_sid: sid,
      conference_sid: call.conferenceSid,
      call_sid: call.callerSid,
      status: 'completed',
      duration_seconds: 42,
      started_at: new Date('2026-11-23T02:00:05Z'),
      participants: [{ kind: 'caller' }, { kind: 'agent', jobNumber: '1001' }],
      deleted_at: null,
    })
    const events = await h.ctx.db
      .selectFrom('case_events')
      .selectAll()
      .where('type', '=', 'call_recorded')
      .execute()
    expect(events).toHaveLength(1)

    const got = await api().get(`/api/cases/${call.reference}`).set(call.auth)
    expect(got.body.recordings).toEqual([
      {
        id: rows[0]?.id,
        startedAt: '2026-11-23T02:00:05.000Z',
        durationSeconds: 42,
        participants: [{ kind: 'caller' }, { kind: 'agent', jobNumber: '1001' }],
        status: 'completed',
        audioUrl: `/api/cases/${call.reference}/recordings/${rows[0]?.id}/audio`,
      },
    ])
    // Twilio's SID and URL never reach the browser.
    expect(JSON.stringify(got.body)).not.toContain(sid)
  })

  it('moves in-progress to completed once, and keeps a recording of no known case', async () => {
    h = await createHarness()
    const call = await liveCall(h)
    const sid = recordingSid()
    const post = (status: string, duration?: string) =>
      h.twilioPost('/voice/recording-status', {
        ConferenceSid: call.conferenceSid,
        RecordingSid: sid,
        RecordingStatus: status,
        ...(duration ? { RecordingDuration: duration } : {}),
      })
    expect((await post('in-progress')).status).toBe(200)
    const events = () =>
      h.ctx.db
        .selectFrom('case_events')
        .select('type')
        .where('type', 'in', ['call_recorded', 'recording_failed'])
        .execute()
    expect(await events()).toEqual([])
    expect((await post('completed', '17')).status).toBe(200)
    expect((await post('absent')).status).toBe(200)
    expect(await events()).toEqual([{ type: 'call_recorded' }])
    const row = await h.ctx.db.selectFrom('recordings').selectAll().executeTakeFirstOrThrow()
    expect(row).toMatchObject({ status: 'completed', duration_seconds: 17 })

    const stray = await h.twilioPost('/voice/recording-status', {
      CallSid: `CA${randomBytes(16).toString('hex')}`,
      RecordingSid: recordingSid(),
      RecordingStatus: 'completed',
    })
    expect(stray.status).toBe(200)
    const orphan = await h.ctx.db
      .selectFrom('recordings')
      .select(['case_id', 'participants'])
      .where('recording_sid', '!=', sid)
      .executeTakeFirstOrThrow()
    expect(orphan).toEqual({ case_id: null, participants: [] })
    // Neither a CallSid nor a ConferenceSid: not a recording callback of ours.
    const neither = await h.twilioPost('/voice/recording-status', {
      RecordingSid: recordingSid(),
      RecordingStatus: 'completed',
    })
    expect(neither.status).toBe(400)
  })

  it('streams the audio from Twilio to whoever may read the case, and refuses the others', async () => {
    h = await createHarness()
    await setRecording('silent')
    const call = await liveCall(h)
    const sid = recordingSid()
    await h.twilioPost('/voice/recording-status', {
      ConferenceSid: call.conferenceSid,
      RecordingSid: sid,
      RecordingStatus: 'completed',
      RecordingDuration: '12',
    })
    const { id } = await h.ctx.db.selectFrom('recordings').select('id').executeTakeFirstOrThrow()
    const audio = `/api/cases/${call.reference}/recordings/${id}/audio`
    const before = h.edge.requests.length

    const stranger = await api()
      .get(audio)
      .set(await login(h, '1002'))
    expect(stranger.status).toBe(403)
    expect(h.edge.requests.length).toBe(before)

    for (const auth of [call.auth, await login(h, '2001')]) {
      const r = await api().get(audio).set(auth).buffer(true).parse(binary)
      expect(r.status).toBe(200)
      expect(r.headers['content-type']).toBe('audio/mpeg')
      expect(r.headers['cache-control']).toBe('private, no-store')
      expect(new Uint8Array(r.body as Buffer)).toEqual(FAKE_MP3)
      // Neither Twilio's media URL nor anything that names the account or the recording.
      const headers = JSON.stringify(r.headers)
      for (const secret of ['api.twilio.com', sid, `AC${'1'.repeat(32)}`])
        expect(headers).not.toContain(secret)
    }
    const media = h.edge.requests.slice(before)
    expect(media).toHaveLength(2)
    for (const m of media) {
      expect(m.operationId).toBe('FetchRecording')
      expect(m.pathParams['Sid']).toBe(sid)
      expect(m.media?.format).toBe('mp3')
      expect(m.problems).toEqual([])
    }

    const unknown = await api()
      .get(`/api/cases/${call.reference}/recordings/999999/audio`)
      .set(call.auth)
    expect(unknown.status).toBe(404)
    const noCase = await api()
      .get(`/api/cases/HL-20200101-0001/recordings/${id}/audio`)
      .set(call.auth)
    expect(noCase.status).toBe(404)
    const badId = await api()
      .get(`/api/cases/${call.reference}/recordings/abc/audio`)
      .set(call.auth)
    expect(badId.status).toBe(400)
    // Twilio no longer has it: a 404 for the listener too, not a 500.
    h.edge.respondWith(() => ({ statusCode: 404, body: { code: 20404, status: 404 } }))
    expect((await api().get(audio).set(call.auth)).status).toBe(404)
    // Twilio failing: the listener is told to try again (503), never a 500.
    h.edge.respondWith(() => ({ statusCode: 500, body: { code: 20500, status: 500 } }))
    expect((await api().get(audio).set(call.auth)).status).toBe(503)
    h.edge.respondWith(undefined)
    await h.ctx.db.updateTable('recordings').set({ deleted_at: new Date() }).execute()
    expect((await api().get(audio).set(call.auth)).status).toBe(404)
    const listed = await api().get(`/api/cases/${call.reference}`).set(call.auth)
    expect(listed.body.recordings[0]).toMatchObject({ status: 'deleted', audioUrl: null })
  })

  it('lets the quality sample reviewer listen whatever their role is now', async () => {
    h = await createHarness()
    const call = await liveCall(h)
    await h.twilioPost('/voice/recording-status', {
      ConferenceSid: call.conferenceSid,
      RecordingSid: recordingSid(),
      RecordingStatus: 'completed',
      RecordingDuration: '5',
    })
    const { id } = await h.ctx.db.selectFrom('recordings').select('id').executeTakeFirstOrThrow()
    const reviewer = await h.ctx.db
      .selectFrom('agents')
      .select('id')
      .where('job_number', '=', '1003')
      .executeTakeFirstOrThrow()
    const kase = await h.ctx.db
      .selectFrom('cases')
      .select('id')
      .where('reference', '=', call.reference)
      .executeTakeFirstOrThrow()
    const audio = `/api/cases/${call.reference}/recordings/${id}/audio`
    const auth = await login(h, '1003')
    expect((await api().get(audio).set(auth)).status).toBe(403)
    await h.ctx.db
      .insertInto('quality_samples')
      .values({ month: '2026-11-01', case_id: kase.id, supervisor_id: reviewer.id })
      .execute()
    expect((await api().get(audio).set(auth)).status).toBe(200)
  })

  it('records return calls when the hotline records, and not when it does not', async () => {
    const clock = manualClock(new Date('2026-11-23T02:00:00Z'))
    h = await createHarness({ clock })
    const off = await caseAwaitingConfirmation(h)
    clock.set(off.dueAt)
    expect(await dialCallback(h.ctx, { callbackId: off.callbackId, attempt: 1 })).toBe('dialled')
    const plain = createdCalls(h).at(-1)
    expect(plain?.data).not.toHaveProperty('Record')
    expect(plain?.data).not.toHaveProperty('RecordingStatusCallback')

    await setRecording('notice')
    const on = await caseAwaitingConfirmation(h, '+8613800008888')
    clock.set(on.dueAt)
    expect(await dialCallback(h.ctx, { callbackId: on.callbackId, attempt: 1 })).toBe('dialled')
    const recorded = createdCalls(h).at(-1)
    expect(recorded?.problems).toEqual([])
    expect(recorded?.data).toMatchObject({
      Record: 'true',
      RecordingStatusCallback: RECORDING_URL,
      RecordingStatusCallbackMethod: 'POST',
      RecordingStatusCallbackEvent: ['completed', 'absent'],
    })
    // Its recording lands on the case, with the caller in it.
    const callSid = String((recorded?.answer as { body: { sid: string } }).body.sid)
    await h.twilioPost('/voice/recording-status', {
      CallSid: callSid,
      RecordingSid: recordingSid(),
      RecordingStatus: 'completed',
      RecordingDuration: '30',
    })
    const row = await h.ctx.db.selectFrom('recordings').selectAll().executeTakeFirstOrThrow()
    expect(row).toMatchObject({ case_id: on.caseId, call_sid: callSid })
    expect(row.participants).toEqual([{ kind: 'caller' }])
  })

  it('retention deletes exactly the expired recordings at Twilio, and retries the failures', async () => {
    const clock = manualClock(new Date('2026-11-23T02:00:00Z'))
    h = await createHarness({ clock })
    const day = 24 * 3600 * 1000
    const ages = [400, 91, 90.5, 89, 1]
    const sids = ages.map(() => recordingSid())
    await h.ctx.db
      .insertInto('recordings')
      .values(
        ages.map((age, i) => ({
          recording_sid: sids[i] as string,
          status: 'completed' as const,
          started_at: new Date(clock.now().getTime() - age * day),
          duration_seconds: 10,
        })),
      )
      .execute()
    // The oldest is already gone at Twilio (404: deleted all the same); the next fails once.
    h.edge.respondWith((r) => {
      if (r.operationId !== 'DeleteRecording') return undefined
      if (r.pathParams['Sid'] === sids[0]) return { statusCode: 404, body: { code: 20404 } }
      if (r.pathParams['Sid'] === sids[1]) return { statusCode: 500, body: { code: 20500 } }
      return undefined
    })
    const first = await runRecordingRetention(h.ctx, 90, { batchSize: 2 })
    expect(first).toEqual({ deleted: 2, failed: 1, more: false })
    const deletes = h.edge.requests.filter((r) => r.operationId === 'DeleteRecording')
    expect(deletes.map((r) => r.pathParams['Sid']).sort()).toEqual(
      [sids[0], sids[1], sids[2]].sort(),
    )
    h.edge.respondWith(undefined)
    expect(await runRecordingRetention(h.ctx, 90)).toEqual({ deleted: 1, failed: 0, more: false })
    const rows = await h.ctx.db
      .selectFrom('recordings')
      .select(['recording_sid', 'deleted_at'])
      .orderBy('started_at')
      .execute()
    expect(rows.map((r) => r.deleted_at !== null)).toEqual([true, true, true, false, false])
    // 0 keeps them for ever.
    expect(await runRecordingRetention(h.ctx, 0)).toEqual({ deleted: 0, failed: 0, more: false })
  })

  it('is a periodic duty beating from Postgres, with RECORDING_RETENTION_DAYS', async () => {
    const clock = manualClock(new Date('2026-11-23T02:00:00Z'))
    h = await createHarness({ clock, env: { RECORDING_RETENTION_DAYS: '30' } })
    const [old, recent] = [recordingSid(), recordingSid()]
    await h.ctx.db
      .insertInto('recordings')
      .values(
        [
          { sid: old, days: 31 },
          { sid: recent, days: 29 },
        ].map((r) => ({
          recording_sid: r.sid,
          status: 'completed' as const,
          started_at: new Date(clock.now().getTime() - r.days * 24 * 3600 * 1000),
        })),
      )
      .execute()
    const duty = periodicDuties(h.ctx, {
      dispatchSweepMs: 5000,
      reconcileEveryMs: 60_000,
      retention: h.config.retention,
    }).find((d) => d.name === 'recordings-retention')
    expect(duty?.everyMs).toBe(600_000)
    expect(await duty?.run()).toEqual({ deleted: 1, failed: 0, more: false })
    const deletes = h.edge.requests.filter((r) => r.operationId === 'DeleteRecording')
    expect(deletes.map((r) => r.pathParams['Sid'])).toEqual([old])
  })
})

/** supertest's parser for a binary body: the bytes as they came. */
const binary: Parameters<request.Test['parse']>[0] = (res, done) => {
  const stream = res as unknown as NodeJS.ReadableStream
  const chunks: Buffer[] = []
  stream.on('data', (c: Buffer) => chunks.push(c))
  stream.on('end', () => done(null, Buffer.concat(chunks)))
}
