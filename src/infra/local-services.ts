import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import path from 'node:path'

import { Redis } from 'ioredis'
import pg from 'pg'

/**
 * "Embedded defaults": with DATABASE_URL / REDIS_URL unset we use a Postgres and a Redis that
 * already answer on their usual ports, or start our own with data under the project folder.
 * Nothing here is used when both URLs are set, which is how production runs.
 */

export const OWN_PG_PORT = 54329
export const OWN_REDIS_PORT = 63799

export interface ServiceUrls {
  /** Server-level URL without a database name; callers add the database they want. */
  readonly pgServerUrl: string
  readonly redisUrl: string
}

type Say = (msg: string) => void

export class MissingServiceError extends Error {
  override name = 'MissingServiceError'
}

export async function findOrStartServices(opts: {
  dir: string
  databaseUrl?: string | undefined
  redisUrl?: string | undefined
  say?: Say
}): Promise<ServiceUrls> {
  const pgServerUrl = await postgresServerUrl(opts)
  const redisUrl = opts.redisUrl ?? (await findOrStartLocalRedis(opts))
  return { pgServerUrl, redisUrl }
}

/** The Postgres server to use: DATABASE_URL's, or one found or started here. */
export async function postgresServerUrl(opts: {
  dir: string
  databaseUrl?: string | undefined
  say?: Say
}): Promise<string> {
  if (opts.databaseUrl) return serverUrlOf(opts.databaseUrl)
  return findOrStartPostgres({
    dataDir: path.join(path.resolve(opts.dir), 'pg'),
    say: opts.say ?? (() => {}),
    probePorts: [5432],
    ownPort: OWN_PG_PORT,
  })
}

/** A Redis on 127.0.0.1:6379, or the project's own (started here if need be). */
export async function findOrStartLocalRedis(opts: { dir: string; say?: Say }): Promise<string> {
  return findOrStartRedis({
    dataDir: path.join(path.resolve(opts.dir), 'redis'),
    say: opts.say ?? (() => {}),
    probePorts: [6379],
    ownPort: OWN_REDIS_PORT,
  })
}

/** The URL with its database name replaced. */
export function withDatabase(serverUrl: string, database: string): string {
  const u = new URL(serverUrl)
  u.pathname = `/${database}`
  return u.toString()
}

function serverUrlOf(url: string): string {
  return withDatabase(url, 'postgres')
}

/** Creates the database if it is missing. Safe when several processes race to create it. */
export async function ensureDatabase(serverUrl: string, database: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) throw new Error(`bad database name ${database}`)
  const client = new pg.Client({ connectionString: serverUrl })
  await client.connect()
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database])
    if (found.rowCount === 0) {
      await client.query(`create database ${database}`).catch((e: { code?: string }) => {
        if (e.code !== '42P04' && e.code !== '23505') throw e // already created by a sibling
      })
    }
  } finally {
    await client.end()
  }
  return withDatabase(serverUrl, database)
}

async function pgAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query('select 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

interface StartOptions {
  dataDir: string
  say: Say
  /** Ports where an already running server is used as it is. */
  probePorts: number[]
  /** Where ours runs (and is looked for first, from an earlier start). */
  ownPort: number
}

export async function findOrStartPostgres(o: StartOptions): Promise<string> {
  const { say, ownPort } = o
  const own = `postgres://postgres@127.0.0.1:${ownPort}/postgres`
  const candidates = [
    ...o.probePorts.map((p) => `postgres://postgres@127.0.0.1:${p}/postgres`),
    own,
  ]
  for (const url of candidates) if (await pgAnswers(url)) return url

  const bin = findPgBin() ?? (aptInstall('postgresql', say) ? findPgBin() : undefined)
  if (!bin) {
    throw new MissingServiceError(
      'PostgreSQL: none answers on 127.0.0.1:5432 and no server binaries were found. ' +
        'Install it (Debian/Ubuntu: apt-get install postgresql) or set DATABASE_URL.',
    )
  }
  // Postgres refuses to run as root; run it as the postgres system user the package created.
  const asUser = process.getuid?.() === 0 ? 'postgres' : undefined
  mkdirSync(o.dataDir, { recursive: true })
  const dataDir = asUser ? reachableBy(asUser, o.dataDir, say) : o.dataDir
  say(`starting a project Postgres on 127.0.0.1:${ownPort} (data in ${dataDir})`)
  if (asUser) execFileSync('chown', ['-R', `${asUser}:`, dataDir])
  const run = (cmd: string, args: string[]) => {
    const full = asUser ? ['runuser', ['-u', asUser, '--', cmd, ...args]] : [cmd, args]
    const r = spawnSync(full[0] as string, full[1] as string[], { encoding: 'utf8' })
    if (r.status !== 0) {
      throw new MissingServiceError(
        `PostgreSQL: ${path.basename(cmd)} failed: ${r.stderr || r.stdout}`,
      )
    }
  }
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    run(path.join(bin, 'initdb'), [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
    ])
  }
  run(path.join(bin, 'pg_ctl'), [
    '-D',
    dataDir,
    '-l',
    path.join(dataDir, 'server.log'),
    '-w',
    '-t',
    '60',
    'start',
    '-o',
    `-p ${ownPort} -c listen_addresses=127.0.0.1 -k ${dataDir}`,
  ])
  if (!(await pgAnswers(own)))
    throw new MissingServiceError(
      `PostgreSQL started but does not answer; see ${dataDir}/server.log`,
    )
  return own
}

/**
 * The postgres user must be able to walk to its data directory. A checkout under a private home
 * (/root is 0700) does not allow that; rather than loosen the user's permissions, the data goes
 * under the postgres user's own home, one folder per project path.
 */
function reachableBy(user: string, dir: string, say: Say): string {
  const ok = spawnSync('runuser', ['-u', user, '--', 'test', '-x', path.dirname(dir)]).status === 0
  if (ok) return dir
  const home = spawnSync('sh', ['-c', `getent passwd ${user} | cut -d: -f6`], {
    encoding: 'utf8',
  }).stdout.trim()
  const alt = path.join(
    home || '/var/lib/postgresql',
    'shouwen',
    createHash('sha1').update(dir).digest('hex').slice(0, 12),
  )
  say(`the ${user} user cannot reach ${dir}; keeping the project Postgres data in ${alt}`)
  mkdirSync(alt, { recursive: true })
  return alt
}

function findPgBin(): string | undefined {
  const root = '/usr/lib/postgresql'
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
    for (const v of versions) {
      const bin = path.join(root, v, 'bin')
      if (existsSync(path.join(bin, 'initdb'))) return bin
    }
  }
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' })
  return which.status === 0 ? path.dirname(which.stdout.trim()) : undefined
}

async function redisAnswers(url: string): Promise<boolean> {
  const r = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1500,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  r.on('error', () => {})
  try {
    await r.connect()
    return (await r.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    r.disconnect()
  }
}

export async function findOrStartRedis(o: StartOptions): Promise<string> {
  const { dataDir, say, ownPort } = o
  const own = `redis://127.0.0.1:${ownPort}`
  const candidates = [...o.probePorts.map((p) => `redis://127.0.0.1:${p}`), own]
  for (const url of candidates) if (await redisAnswers(url)) return url

  const bin = findRedisBin() ?? (aptInstall('redis-server', say) ? findRedisBin() : undefined)
  if (!bin) {
    throw new MissingServiceError(
      'Redis: none answers on 127.0.0.1:6379 and redis-server was not found. ' +
        'Install it (Debian/Ubuntu: apt-get install redis-server) or set REDIS_URL.',
    )
  }
  say(`starting a project Redis on 127.0.0.1:${ownPort} (data in ${dataDir})`)
  mkdirSync(dataDir, { recursive: true })
  // AOF on and noeviction: BullMQ keys must never be evicted or lost on restart.
  const r = spawnSync(
    bin,
    [
      '--port',
      String(ownPort),
      '--bind',
      '127.0.0.1',
      '--dir',
      dataDir,
      '--appendonly',
      'yes',
      '--maxmemory-policy',
      'noeviction',
      '--daemonize',
      'yes',
      '--logfile',
      path.join(dataDir, 'redis.log'),
      '--pidfile',
      path.join(dataDir, 'redis.pid'),
    ],
    { encoding: 'utf8' },
  )
  if (r.status !== 0)
    throw new MissingServiceError(`Redis: redis-server failed: ${r.stderr || r.stdout}`)
  for (let i = 0; i < 50; i++) {
    if (await redisAnswers(own)) return own
    await new Promise((res) => setTimeout(res, 100))
  }
  throw new MissingServiceError(`Redis started but does not answer; see ${dataDir}/redis.log`)
}

export function findRedisBin(): string | undefined {
  const which = spawnSync('sh', ['-c', 'command -v redis-server || ls /usr/bin/redis-server'], {
    encoding: 'utf8',
  })
  const found = which.stdout.trim().split('\n')[0]
  return which.status === 0 && found ? found : undefined
}

/** Installs a Debian package when we are root on a Debian-like machine; false otherwise. */
function aptInstall(pkg: string, say: Say): boolean {
  if (process.getuid?.() !== 0) return false
  if (spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status !== 0) return false
  say(`installing ${pkg} with apt-get (this takes a minute)`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
  const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], {
    stdio: 'inherit',
    env,
  })
  return r.status === 0
}
