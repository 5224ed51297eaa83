// A Postgres and a Redis of the bench's own, on their own ports and in a temp directory, so the
// fault run can kill and restart them without touching the shared servers other work uses.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readdirSync } from 'node:fs'
import path from 'node:path'

import { findRedisBin } from '../../src/infra/local-services.ts'

function pgBin(): string {
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : []
  for (const v of versions) {
    const bin = path.join(root, v, 'bin')
    if (existsSync(path.join(bin, 'pg_ctl'))) return bin
  }
  throw new Error('no Postgres server binaries (Debian: apt-get install postgresql)')
}

export interface PrivatePostgres {
  url: string
  /** Its server log: checkpoints and autovacuum runs, each with its time (log_line_prefix %m). */
  logPath: string
  /** `pg_ctl restart -m fast`: every connection is cut, the server comes back on the same port. */
  restart(): void
  stop(): void
}

/** `settings`: more server settings as name=value (bench:day's --pg), after the bench's own. */
export function startPrivatePostgres(
  dir: string,
  port: number,
  settings: readonly string[] = [],
): PrivatePostgres {
  for (const kv of settings) {
    if (!/^[a-z_.]+=[\w.:-]+$/.test(kv))
      throw new Error(`not a Postgres setting as name=value: ${kv}`)
  }
  const bin = pgBin()
  // Postgres refuses to run as root: run it as the postgres system user, in a directory it owns.
  const asUser = process.getuid?.() === 0 ? 'postgres' : undefined
  const dataDir = path.join(dir, 'pg')
  mkdirSync(dataDir, { recursive: true })
  chmodSync(dir, 0o755)
  if (asUser) spawnSync('chown', ['-R', `${asUser}:`, dataDir])
  const run = (cmd: string, args: string[]) => {
    const full: [string, string[]] = asUser
      ? ['runuser', ['-u', asUser, '--', path.join(bin, cmd), ...args]]
      : [path.join(bin, cmd), args]
    const r = spawnSync(full[0], full[1], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`)
  }
  run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8'])
  // Enough connections for four service processes, the bench and the fake Twilio's checks;
  // pg_stat_statements so the bench can say which statements Postgres spent its time on; every
  // lock wait over 20 ms logged (deadlock_timeout is also when a wait is logged), with its statement.
  const opts = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dataDir} -c max_connections=200 -c fsync=on -c shared_preload_libraries=pg_stat_statements -c log_checkpoints=on -c log_autovacuum_min_duration=0 -c log_lock_waits=on -c deadlock_timeout=20ms -c track_wal_io_timing=on -c log_connections=on -c log_line_prefix='%m ' -c log_timezone=UTC${settings.map((kv) => ` -c ${kv}`).join('')}`
  const ctl = (...args: string[]) =>
    run('pg_ctl', [
      '-D',
      dataDir,
      '-l',
      path.join(dataDir, 'server.log'),
      '-w',
      '-t',
      '60',
      ...args,
    ])
  ctl('start', '-o', opts)
  return {
    // The services reach it through its Unix socket, as services on the database's own host
    // should: loopback TCP cost Postgres twice the CPU for the same day (README, bench:day).
    url: `postgres://postgres@${encodeURIComponent(dataDir)}:${port}/postgres`,
    logPath: path.join(dataDir, 'server.log'),
    restart: () => ctl('restart', '-m', 'fast', '-o', opts),
    stop: () => {
      try {
        ctl('stop', '-m', 'immediate')
      } catch {
        // already stopped
      }
    },
  }
}

export interface PrivateRedisServer {
  url: string
  /** SIGKILL and start again, empty: a restart without persistence. */
  restart(): Promise<void>
  stop(): void
  pid(): number | undefined
}

export async function startPrivateRedisServer(port: number): Promise<PrivateRedisServer> {
  const bin = findRedisBin()
  if (!bin) throw new Error('redis-server not found (Debian: apt-get install redis-server)')
  let child: ChildProcess
  const start = async () => {
    child = spawn(
      bin,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    )
    await waitFor(() => spawnSync('redis-cli', ['-p', String(port), 'ping']).status === 0)
  }
  await start()
  return {
    url: `redis://127.0.0.1:${port}`,
    async restart() {
      child.kill('SIGKILL')
      await new Promise((r) => child.once('exit', r))
      await start()
    },
    stop: () => child.kill('SIGKILL'),
    pid: () => child.pid,
  }
}

async function waitFor(ok: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms
  while (!ok()) {
    if (Date.now() > until) throw new Error('private service did not come up')
    await new Promise((r) => setTimeout(r, 100))
  }
}
