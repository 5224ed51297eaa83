import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { Redis } from 'ioredis'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'

import { findOrStartPostgres, findOrStartRedis } from '../../src/infra/local-services.ts'

// Ports nothing else here uses; the "usual" port probed first is one where nothing listens, as
// on a fresh machine whose services are stopped.
const NOTHING_THERE = 1
const dir = mkdtempSync(path.join(os.tmpdir(), 'shouwen-services-'))
// Like a checkout others may enter (the postgres user must reach its data directory).
chmodSync(dir, 0o755)
const stops: (() => void)[] = []

describe('embedded defaults when no Postgres or Redis answers', () => {
  afterAll(() => {
    for (const stop of stops) stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('starts a project Redis with AOF on and noeviction, and finds it again', async () => {
    const port = 40000 + Math.floor(Math.random() * 5000)
    const dataDir = path.join(dir, 'redis')
    const url = await findOrStartRedis({
      dataDir,
      say: () => {},
      probePorts: [NOTHING_THERE],
      ownPort: port,
    })
    stops.push(() => spawnSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave']))
    expect(url).toBe(`redis://127.0.0.1:${port}`)
    const r = new Redis(url)
    try {
      expect(await r.config('GET', 'appendonly')).toEqual(['appendonly', 'yes'])
      expect(await r.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction'])
      expect(await r.config('GET', 'dir')).toEqual(['dir', dataDir])
    } finally {
      r.disconnect()
    }
    // A second start finds the running one instead of starting another.
    expect(
      await findOrStartRedis({
        dataDir,
        say: () => {},
        probePorts: [NOTHING_THERE],
        ownPort: port,
      }),
    ).toBe(url)
  })

  it('initialises and starts a project Postgres under the project folder', async () => {
    const port = 45000 + Math.floor(Math.random() * 5000)
    const dataDir = path.join(dir, 'pg')
    const said: string[] = []
    const url = await findOrStartPostgres({
      dataDir,
      say: (m) => said.push(m),
      probePorts: [NOTHING_THERE],
      ownPort: port,
    })
    stops.push(() => {
      const asUser = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : []
      const ctl = spawnSync('sh', ['-c', 'ls /usr/lib/postgresql/*/bin/pg_ctl | tail -1'], {
        encoding: 'utf8',
      }).stdout.trim()
      spawnSync(asUser[0] ?? ctl, [
        ...asUser.slice(1),
        ...(asUser.length ? [ctl] : []),
        '-D',
        dataDir,
        '-m',
        'immediate',
        'stop',
      ])
    })
    expect(said.join()).toContain(`127.0.0.1:${port}`)
    const c = new pg.Client({ connectionString: url })
    await c.connect()
    try {
      const r = await c.query<{ d: string }>("select current_setting('data_directory') as d")
      expect(r.rows[0]?.d).toBe(dataDir)
    } finally {
      await c.end()
    }
  }, 60_000)
})
