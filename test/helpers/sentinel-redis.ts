import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { Redis } from 'ioredis'

import { findRedisBin } from '../../src/infra/local-services.ts'
import { freePort, until } from './service.ts'

export interface SentinelRedis {
  /** What REDIS_SENTINELS would say. */
  sentinels: string
  name: string
  primaryPort: number
  replicaPort: number
  /** The port the sentinel on `sentinelPorts[i]` names as primary now (undefined: no answer). */
  primaryNamedBy(i: number): Promise<number | undefined>
  sentinelPorts: number[]
  /** SIGKILL, as a crashed machine: no shutdown, no last write to the replica. */
  killPrimary(): Promise<void>
  /**
   * SIGSTOP, as a machine cut off the network or a process hung: its connections stay open
   * and nothing answers on them.
   */
  freezePrimary(): void
  /** Kills every process started here (those already dead are skipped) and removes the files. */
  stop(): Promise<void>
}

/**
 * A primary, its replica and three sentinels (quorum 2), each a process of Debian's
 * `redis-server` on its own port (`redis-server <conf> --sentinel` is what the separate
 * `redis-sentinel` package would run), with configs and data in a temporary folder. Sentinels
 * call the primary down after `downAfterMs` without an answer (1 s by default, so a failover
 * takes a few seconds).
 */
export async function startSentinelRedis(
  o: { name?: string; downAfterMs?: number } = {},
): Promise<SentinelRedis> {
  const name = o.name ?? 'shouwen'
  const bin = findRedisBin()
  if (!bin) throw new Error('redis-server not found (Debian: apt-get install redis-server)')
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shouwen-sentinel-'))
  const children: ChildProcess[] = []
  const stop = async () => {
    await Promise.all(
      children.map(async (c) => {
        if (c.exitCode !== null || c.signalCode !== null) return
        const exited = new Promise((r) => c.once('exit', r))
        c.kill('SIGKILL')
        await exited
      }),
    )
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const ports = await distinctFreePorts(5)
    const [primaryPort, replicaPort, ...sentinelPorts] = ports as [number, number, ...number[]]
    const start = (file: string, lines: string[], extra: string[] = []) => {
      const conf = path.join(dir, file)
      writeFileSync(conf, `${lines.join('\n')}\n`)
      const child = spawn(bin, [conf, ...extra], { stdio: 'ignore' })
      children.push(child)
      return child
    }
    // As the README asks of a production Redis: AOF every second, never evict BullMQ's keys.
    const server = (role: string, port: number, more: string[] = []) => {
      mkdirSync(path.join(dir, role))
      return start(`${role}.conf`, [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${path.join(dir, role)}`,
        `logfile ${path.join(dir, `${role}.log`)}`,
        'save ""',
        'appendonly yes',
        'appendfsync everysec',
        'maxmemory-policy noeviction',
        ...more,
      ])
    }
    const primary = server('primary', primaryPort)
    server('replica', replicaPort, [`replicaof 127.0.0.1 ${primaryPort}`])
    // The replica in sync before the sentinels look: they learn of replicas from the primary's
    // INFO, which they ask for at once and then only every 10 s.
    await until(
      'the replica to sync',
      async () =>
        /master_link_status:up/.test(String(await ask(replicaPort, 'info', 'replication'))),
      15_000,
    )
    for (const port of sentinelPorts)
      start(
        `sentinel-${port}.conf`,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `logfile ${path.join(dir, `sentinel-${port}.log`)}`,
          `sentinel monitor ${name} 127.0.0.1 ${primaryPort} 2`,
          `sentinel down-after-milliseconds ${name} ${o.downAfterMs ?? 1000}`,
          `sentinel failover-timeout ${name} 5000`,
          `sentinel parallel-syncs ${name} 1`,
        ],
        ['--sentinel'],
      )
    // Quorum needs sentinels that know each other (hello messages every 2 s through the primary).
    await until(
      'the sentinels to find each other and the replica',
      async () => {
        for (const port of sentinelPorts) {
          const m = pairs(await ask(port, 'sentinel', 'master', name))
          if (m['num-other-sentinels'] !== '2' || m['num-slaves'] !== '1') return false
        }
        return true
      },
      20_000,
    )
    const primaryNamedBy = async (i: number) => {
      const addr = await ask(
        sentinelPorts[i] as number,
        'sentinel',
        'get-master-addr-by-name',
        name,
      )
      return Array.isArray(addr) ? Number(addr[1]) : undefined
    }
    return {
      sentinels: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
      name,
      primaryPort,
      replicaPort,
      sentinelPorts,
      primaryNamedBy,
      async killPrimary() {
        const exited = new Promise((r) => primary.once('exit', r))
        primary.kill('SIGKILL')
        await exited
      },
      freezePrimary() {
        primary.kill('SIGSTOP')
      },
      stop,
    }
  } catch (e) {
    await stop()
    throw e
  }
}

/** One command on a short-lived connection; undefined while the server does not answer. */
async function ask(port: number, ...args: string[]): Promise<unknown> {
  const r = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  r.on('error', () => {})
  try {
    await r.connect()
    return await r.call(args[0] as string, ...args.slice(1))
  } catch {
    return undefined
  } finally {
    r.disconnect()
  }
}

function pairs(flat: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (!Array.isArray(flat)) return out
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = String(flat[i + 1])
  return out
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>()
  while (ports.size < n) ports.add(await freePort())
  return [...ports]
}
