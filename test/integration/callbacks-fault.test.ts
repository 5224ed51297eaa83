import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { afterEach, describe, expect, inject, it } from 'vitest'

import { reconcileCallbacks } from '../../src/callbacks/reconciler.ts'
import { callbackJobId } from '../../src/queues/callbacks.queue.ts'
import { createdCalls } from '../helpers/call-steps.ts'
import { caseAwaitingConfirmation } from '../helpers/case-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness } from '../helpers/harness.ts'

async function until<T>(
  what: string,
  f: () => Promise<T | undefined> | T | undefined,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await f()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('a callbacks worker killed in the middle of a job', () => {
  let h: Harness
  afterEach(async () => {
    await h.close()
  })

  it('leaves the call made once, not twice', async () => {
    h = await createHarness({
      env: { CALLING_HOURS: '00:00-24:00', CONFIRMATION_DELAY_SECONDS: '0' },
    })
    const marker = path.join(mkdtempSync(path.join(os.tmpdir(), 'shouwen-kill-')), 'marker')
    const c = await caseAwaitingConfirmation(h)

    const child = spawn(
      process.execPath,
      [path.join(import.meta.dirname, '../helpers/callback-worker-child.ts')],
      {
        env: {
          ...process.env,
          DATABASE_URL: h.databaseUrl,
          REDIS_URL: inject('redisUrl'),
          QUEUE_PREFIX: h.ctx.queuePrefix,
          MARKER_FILE: marker,
        },
        stdio: 'ignore',
      },
    )
    const created = await until('the child to dial', () => {
      const line = existsSync(marker)
        ? readFileSync(marker, 'utf8')
            .split('\n')
            .find((l) => l.startsWith('created '))
        : undefined
      return line?.slice('created '.length)
    })
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))

    // Twilio's first status callback for that call reaches the service as usual.
    await h.twilioPost(`/voice/callback/status?cb=${c.callbackId}&a=1`, {
      CallSid: created,
      CallStatus: 'initiated',
      SequenceNumber: '0',
    })

    // A surviving worker picks the stalled job up: the claim in Postgres stops a second call.
    h.ctx.startWorkers()
    const jobId = callbackJobId({ callbackId: c.callbackId, attempt: 1, dueAt: c.dueAt })
    const rerun = await until('the stalled job to run again', async () => {
      const job = await h.ctx.callbacksQueue.getJob(jobId)
      return job?.finishedOn ? job : undefined
    })
    expect(rerun.returnvalue).toBe('skipped')
    await reconcileCallbacks(h.ctx)
    expect(createdCalls(h)).toHaveLength(0)
    const attempts = await h.ctx.db
      .selectFrom('callback_attempts')
      .select(['attempt', 'call_sid'])
      .where('callback_id', '=', c.callbackId)
      .execute()
    expect(attempts).toEqual([{ attempt: 1, call_sid: created }])
    expect(
      readFileSync(marker, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('created')),
    ).toHaveLength(1)
  }, 60_000)
})
