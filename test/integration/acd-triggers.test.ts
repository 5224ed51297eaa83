import { Worker } from 'bullmq'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, inject, it } from 'vitest'

import { createLogger } from '../../src/logger.ts'
import {
  type AcdQueue,
  createAcdQueue,
  createTriggers,
  DISPATCH_SLOT_MS,
  JOB_NAMES,
  QUEUE_NAMES,
} from '../../src/queues/acd.queue.ts'
import { acdWorkerOptions, DISPATCH_PASS_GAP_MS } from '../../src/queues/acd.worker.ts'

// Dispatch triggers on the real Redis: many at once make one pass, and a trigger that lands
// while a pass runs is never lost (it leaves one pass to follow).

const logger = createLogger({ level: 'silent' })
const until = async (what: string, ok: () => boolean | Promise<boolean>) => {
  const end = Date.now() + 10_000
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('dispatch triggers', () => {
  const cleanup: (() => Promise<unknown>)[] = []
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c()
    cleanup.length = 0
  })

  function setUp(): { queue: AcdQueue; prefix: string; connection: Redis } {
    const prefix = `acdtrig${process.pid}${Math.random().toString(36).slice(2, 8)}`
    const connection = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null })
    const queue = createAcdQueue(connection, prefix)
    cleanup.push(async () => {
      await queue.obliterate({ force: true })
      await queue.close()
      connection.disconnect()
    })
    return { queue, prefix, connection }
  }

  it('folds immediate triggers into the pass already waiting', async () => {
    const { queue } = setUp()
    const triggers = createTriggers(queue, logger)
    for (const key of ['leg-end-a', 'caller-end-b', 'declined-c', 'claimed-d'])
      await triggers.dispatch(key)
    expect(await queue.getWaitingCount()).toBe(1)
  })

  it('gives delayed triggers due in the same slot one job, at the end of that slot', async () => {
    const { queue } = setUp()
    const t0 = 1_000_000_000_000 // on a slot's boundary
    let clock = t0 + 10
    const triggers = createTriggers(queue, logger, () => clock)
    await triggers.dispatch('wrap-up-e', 30_000) // due t0 + 30,010: the slot ending t0 + 30,250
    clock += 40
    await triggers.dispatch('wrap-up-e', 30_000) // Twilio's retry of the same webhook
    clock += 100
    await triggers.dispatch('whisper-f', 30_090) // due t0 + 30,240: the same slot
    expect(await queue.getDelayedCount()).toBe(1)
    await triggers.dispatch('wrap-up-g', 30_140) // due t0 + 30,290: the next slot
    const delayed = await queue.getDelayed()
    expect(delayed.map((j) => [j.id, j.delay]).sort()).toEqual([
      [`dispatch-at-${t0 + 30_000 + DISPATCH_SLOT_MS}`, 30_000 + DISPATCH_SLOT_MS - 10],
      [`dispatch-at-${t0 + 30_000 + 2 * DISPATCH_SLOT_MS}`, 30_000 + 2 * DISPATCH_SLOT_MS - 150],
    ])
  })

  it('leaves exactly one pass after the running one for triggers that land during it', async () => {
    const { queue, prefix, connection } = setUp()
    const triggers = createTriggers(queue, logger)
    let passes = 0
    let release: () => void = () => {}
    const worker = new Worker(
      QUEUE_NAMES.acd,
      async () => {
        passes++
        if (passes === 1) await new Promise<void>((r) => (release = r))
      },
      { connection: connection.duplicate(), prefix, concurrency: 1 },
    )
    cleanup.push(() => worker.close())

    await triggers.dispatch('first')
    await until('the first pass to start', () => passes === 1)
    // Changes committed while the pass runs: it may have read the queue before them.
    for (const key of ['x', 'y', 'z']) await triggers.dispatch(key)
    release()
    await until('the pass that follows', () => passes === 2)
    await until(
      'the queue to be empty',
      async () => (await queue.getJobCounts('wait', 'active', 'delayed')).wait === 0,
    )
    await new Promise((r) => setTimeout(r, 300))
    expect(passes).toBe(2)
    expect(await queue.getActiveCount()).toBe(0)
  })

  it('starts at most one pass per gap, however many workers there are', async () => {
    const { queue, prefix, connection } = setUp()
    const starts: number[] = []
    const workers = [1, 2, 3].map(
      () =>
        new Worker(
          QUEUE_NAMES.acd,
          () => {
            starts.push(Date.now())
            return Promise.resolve()
          },
          acdWorkerOptions(connection.duplicate(), prefix),
        ),
    )
    cleanup.push(() => Promise.all(workers.map((w) => w.close())))
    for (let i = 0; i < 6; i++) await queue.add(JOB_NAMES.dispatch, {}, { jobId: `at-${i}` })
    await until('six passes', () => starts.length === 6)
    const gaps = starts.slice(1).map((t, i) => t - (starts[i] as number))
    // The limiter keeps Redis's time; the passes note Node's, when the event loop gets to them,
    // which on a busy CI machine can be tens of ms late for one start and on time for the next
    // (a CI run saw a gap of 139 ms). Without one shared limiter, gaps would be a few ms: each
    // gap is allowed 50 ms of such lateness, and their mean, where only the first and last
    // starts' lateness counts (divided by five), 10 ms.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(DISPATCH_PASS_GAP_MS - 50)
    const mean = ((starts[5] as number) - (starts[0] as number)) / gaps.length
    expect(mean).toBeGreaterThanOrEqual(DISPATCH_PASS_GAP_MS - 10)
  })
})
