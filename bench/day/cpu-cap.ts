// `--cpus N` for bench:day: the bench and every process it starts (services, Postgres, Redis,
// the load balancer, the simulated Twilio) share N cores' worth of CPU time, through a Linux
// cgroup's CPU quota. Machines of the same kind differ in speed by up to 2x, and a fast one hides
// the tail a slow one shows; a quota lets any machine play a slower one, so a change meant for
// slow machines can be measured on a fast one. Only the total is held: each thread still runs at
// the machine's own speed. Needs root and a cgroup file system with the cpu controller (v1 or v2).
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'

const ROOT = '/sys/fs/cgroup'
// A short period keeps each throttled stretch short (at most this long), as a slower core would
// be, rather than whole 100-ms stops.
const PERIOD_US = 10_000

export interface CpuCap {
  /** Where the quota was written, for the report. */
  where: string
  release(): void
}

/** The quota per period, in microseconds, for `cpus` cores (Linux takes no less than 1 ms). */
export function quotaUs(cpus: number): number {
  if (!(cpus >= 0.1) || cpus > 1024) throw new Error(`--cpus must be 0.1 to 1024, got ${cpus}`)
  return Math.round(cpus * PERIOD_US)
}

/**
 * Makes the group, writes its quota and moves this process in (children started from then on are
 * born inside it); a group it could not finish is removed, not left behind.
 */
function setUp(dir: string, files: [name: string, value: string][]): void {
  mkdirSync(dir)
  try {
    for (const [name, value] of files) writeFileSync(path.join(dir, name), value)
    writeFileSync(path.join(dir, 'cgroup.procs'), String(process.pid))
  } catch (e) {
    rmdirSync(dir)
    throw new Error(
      `--cpus: could not set up ${dir}: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    )
  }
}

export function capCpus(cpus: number): CpuCap {
  const quota = quotaUs(cpus)
  const name = `shouwen-bench-${process.pid}`
  const v1 = path.join(ROOT, 'cpu')
  const v2 = existsSync(path.join(ROOT, 'cgroup.controllers'))
    ? readFileSync(path.join(ROOT, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('cpu')
    : false
  let dir: string
  let parentProcs: string
  if (existsSync(path.join(v1, 'cpu.cfs_quota_us'))) {
    dir = path.join(v1, name)
    parentProcs = path.join(v1, 'cgroup.procs')
    setUp(dir, [
      ['cpu.cfs_period_us', String(PERIOD_US)],
      ['cpu.cfs_quota_us', String(quota)],
    ])
  } else if (v2) {
    dir = path.join(ROOT, name)
    parentProcs = path.join(ROOT, 'cgroup.procs')
    setUp(dir, [['cpu.max', `${quota} ${PERIOD_US}`]])
  } else {
    throw new Error(
      `--cpus needs a cgroup file system with the cpu controller under ${ROOT} (and root)`,
    )
  }
  return {
    where: dir,
    release() {
      try {
        writeFileSync(parentProcs, String(process.pid))
        rmdirSync(dir)
      } catch {
        // a process of the day still inside: the empty group is left for the next boot
      }
    },
  }
}
