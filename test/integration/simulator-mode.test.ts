import { execFile } from 'node:child_process'
import net from 'node:net'
import { fileURLToPath } from 'node:url'

import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inject } from 'vitest'

import { ConfigError } from '../../src/config.ts'
import { startService } from '../../src/main.ts'
import { cloneTestDatabase } from '../helpers/databases.ts'
import { createHarness, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN } from '../helpers/harness.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
// Nothing answers here: a refused start must fail on its configuration before connecting.
const NOWHERE = { DATABASE_URL: 'postgres://127.0.0.1:9/none', REDIS_URL: 'redis://127.0.0.1:9' }

describe('the simulator is chosen explicitly and serves only this machine', () => {
  let held: net.Server
  let port: number
  beforeAll(async () => {
    // A port we hold: had startService tried to listen, it would fail with EADDRINUSE instead.
    held = net.createServer().listen(0, '127.0.0.1')
    await new Promise((r) => held.once('listening', r))
    port = (held.address() as net.AddressInfo).port
  })
  afterAll(() => new Promise((r) => held.close(r)))

  const start = (env: Record<string, string>) =>
    startService({ PORT: String(port), LOG_LEVEL: 'silent', ...NOWHERE, ...env })

  it('refuses HOST=0.0.0.0 in simulator mode before opening anything', async () => {
    const refused = start({ TWILIO_MODE: 'simulator', HOST: '0.0.0.0' })
    await expect(refused).rejects.toBeInstanceOf(ConfigError)
    await expect(refused).rejects.toThrow(/HOST: 0\.0\.0\.0 .*SIMULATOR_ALLOW_REMOTE=true/)
  })

  it('refuses a public URL elsewhere too, and a start with no Twilio choice at all', async () => {
    await expect(
      start({ TWILIO_MODE: 'simulator', PUBLIC_BASE_URL: 'https://hotline.example.org' }),
    ).rejects.toThrow(/PUBLIC_BASE_URL: hotline\.example\.org/)
    await expect(start({})).rejects.toThrow(/set TWILIO_MODE=simulator for the local simulator/)
  })

  it('says simulator on /readyz', async () => {
    const h = await createHarness({ simulator: true })
    try {
      const ready = await request(h.app).get('/readyz')
      expect(ready.body).toMatchObject({ status: 'ready', twilio: 'simulator' })
    } finally {
      await h.close()
    }
  })
})

describe('npm run db:seed', () => {
  let db: { url: string; drop: () => Promise<void> }
  let kysely: Kysely<{ agents: { job_number: string } }>
  beforeAll(async () => {
    db = await cloneTestDatabase(inject('pgServerUrl'))
    const pool = new pg.Pool({ connectionString: db.url })
    // The clone is dropped WITH (FORCE) after the pool ends: a connection still closing then
    // hears "terminating connection", which without a listener is an uncaught error (seen once).
    pool.on('error', () => {})
    kysely = new Kysely({ dialect: new PostgresDialect({ pool }) })
  })
  afterAll(async () => {
    await kysely.destroy()
    await db.drop()
  })

  const run = (script: string, env: Record<string, string>, args: string[] = []) =>
    new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [script, ...args],
        {
          cwd: ROOT,
          env: {
            PATH: process.env['PATH'] ?? '',
            LOG_LEVEL: 'warn',
            DATABASE_URL: db.url,
            REDIS_URL: inject('redisUrl'),
            ...env,
          },
        },
        (err, _stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stderr }),
      )
    })
  const seed = (env: Record<string, string>, args: string[] = []) =>
    run('scripts/seed-demo.ts', env, args)
  const agents = async () =>
    (await kysely.selectFrom('agents').select('job_number').execute()).length
  const LIVE = { TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID, TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN }

  it('refuses a live database without --force and changes nothing', async () => {
    const { code, stderr } = await seed(LIVE)
    expect(code).toBe(1)
    expect(stderr).toContain('npm run db:seed -- --force')
    expect(await agents()).toBe(0)
  })

  it('npm run demo refuses Twilio credentials and an exposed simulator before seeding', async () => {
    const live = await run('scripts/demo.ts', LIVE)
    expect(live.code).toBe(1)
    expect(live.stderr).toContain('refuses while TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN are set')
    const exposed = await run('scripts/demo.ts', { HOST: '0.0.0.0' })
    expect(exposed.code).toBe(1)
    expect(exposed.stderr).toContain('SIMULATOR_ALLOW_REMOTE=true')
    expect(await agents()).toBe(0)
  })

  it('seeds a live database with --force, and a simulator one without', async () => {
    expect((await seed(LIVE, ['--force'])).code).toBe(0)
    const seeded = await agents()
    expect(seeded).toBeGreaterThan(0)
    const sim = await seed({ TWILIO_MODE: 'simulator' })
    expect(sim).toEqual({ code: 0, stderr: '' })
    expect(await agents()).toBe(seeded)
  })
})
