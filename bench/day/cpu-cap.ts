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

/** The quota per period, in microseconds, for `cpus` cores. */
export function quotaUs(cpus: number): number {
  if (!(cpus > 0) || cpus > 1024) throw new Error(`--cpus must be above 0, got ${cpus}`)
  return Math.round(cpus * PERIOD_US)
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
    mkdirSync(dir)
    writeFileSync(path.join(dir, 'cpu.cfs_period_us'), String(PERIOD_US))
    writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), String(quota))
    parentProcs = path.join(v1, 'cgroup.procs')
  } else if (v2) {
    dir = path.join(ROOT, name)
    mkdirSync(dir)
    writeFileSync(path.join(dir, 'cpu.max'), `${quota} ${PERIOD_US}`)
    parentProcs = path.join(ROOT, 'cgroup.procs')
  } else {
    throw new Error(
      `--cpus needs a cgroup file system with the cpu controller under ${ROOT} (and root)`,
    )
  }
  // Children started from now on are born inside it.
  writeFileSync(path.join(dir, 'cgroup.procs'), String(process.pid))
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
