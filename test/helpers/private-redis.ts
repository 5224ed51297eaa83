import { spawn } from 'node:child_process'

import { Redis } from 'ioredis'

import { findRedisBin } from '../../src/infra/local-services.ts'
import { freePort, until } from './service.ts'

export interface PrivateRedis {
  url: string
  /** FLUSHALL: what a restart without persistence, or a careless operator, does. */
  wipe(): Promise<void>
  stop(): Promise<void>
}

/**
 * A Redis of the test's own, on its own port and without persistence, so a test can wipe it
 * while other test files go on using the shared one.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const bin = findRedisBin()
  if (!bin) throw new Error('redis-server not found (Debian: apt-get install redis-server)')
  const port = await freePort()
  const child = spawn(
    bin,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  )
  const url = `redis://127.0.0.1:${port}`
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  admin.on('error', () => {})
  await until('the private redis to answer', async () => {
    try {
      if (admin.status !== 'ready') await admin.connect()
      return (await admin.ping()) === 'PONG'
    } catch {
      return false
    }
  })
  return {
    url,
    async wipe() {
      await admin.flushall()
    },
    async stop() {
      admin.disconnect()
      child.kill('SIGKILL')
      await new Promise((r) => child.once('exit', r))
    },
  }
}
