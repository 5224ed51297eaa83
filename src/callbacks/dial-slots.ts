/**
 * Create-call requests a worker process has in flight for callbacks it claimed beyond the
 * jobs' own (a job's own call always goes: the worker's concurrency bounds those, as it did
 * before batching). A batch claims only as many others as there are free slots, so a burst
 * never has more than concurrency + max requests open at Twilio (which answers 429 past an
 * account's concurrency), and nothing claimed waits in memory for a slot: a claim that waited
 * long enough would look abandoned to the reconciler's stale rule.
 */
export interface DialSlots {
  /** Takes up to `wanted` slots and returns how many it got (perhaps none). */
  take(wanted: number): number
  give(n: number): void
}

export function makeDialSlots(max: number): DialSlots {
  let used = 0
  return {
    take(wanted) {
      const n = Math.max(0, Math.min(wanted, max - used))
      used += n
      return n
    },
    give(n) {
      used -= n
    },
  }
}
