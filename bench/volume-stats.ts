// The pure part of `bench/volume.ts`: percentiles, the targets of issue 12 item 6, and the
// growth between sizes. Kept apart so test/unit/bench-volume.test.ts can check it cheaply.

/** Nearest-rank percentile (p in 0–100) of a non-empty list of milliseconds. */
export function percentile(ms: readonly number[], p: number): number {
  if (ms.length === 0) throw new Error('percentile of no samples')
  const sorted = [...ms].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number
}

export type QueryKind = 'baseline' | 'per-call' | 'board' | 'report'

export interface Timing {
  label: string
  kind: QueryKind
  ms: number[]
}

/** The targets at 5 million cases (issue 12 item 6); per-call lookups must also stay flat. */
export const TARGET_MS: Record<
  Exclude<QueryKind, 'baseline'>,
  { stat: 'p99' | 'max'; ms: number }
> = {
  'per-call': { stat: 'p99', ms: 5 },
  board: { stat: 'p99', ms: 100 },
  // Few runs of a report: its worst run is held to the target, not a percentile of five.
  report: { stat: 'max', ms: 1000 },
}
/** "Flat with size": p99 at the larger size within this factor of the smaller's (or 1 ms). */
export const FLAT_FACTOR = 2

export interface Check {
  label: string
  ok: boolean
  why: string
}

function statOf(t: Timing, stat: 'p99' | 'max'): number {
  return stat === 'max' ? Math.max(...t.ms) : percentile(t.ms, 99)
}

/** Each timing against its target; per-call lookups also against the smaller size's p99. */
export function checkTargets(at: readonly Timing[], smaller?: readonly Timing[]): Check[] {
  const checks: Check[] = []
  for (const t of at) {
    if (t.kind === 'baseline') continue
    const target = TARGET_MS[t.kind]
    const v = statOf(t, target.stat)
    checks.push({
      label: t.label,
      ok: v <= target.ms,
      why: `${target.stat} ${v.toFixed(1)} ms (target <= ${target.ms} ms)`,
    })
    const before = smaller?.find((s) => s.label === t.label)
    if (t.kind === 'per-call' && before) {
      const was = percentile(before.ms, 99)
      const limit = Math.max(was * FLAT_FACTOR, was + 1)
      checks.push({
        label: `${t.label}: flat`,
        ok: percentile(t.ms, 99) <= limit,
        why: `p99 ${was.toFixed(2)} → ${percentile(t.ms, 99).toFixed(2)} ms (flat: <= ${limit.toFixed(2)})`,
      })
    }
  }
  return checks
}

export function formatTimings(title: string, ts: readonly Timing[]): string {
  const width = Math.max(...ts.map((t) => t.label.length), 5)
  const f = (v: number) => v.toFixed(2).padStart(10)
  const lines = [
    title,
    `${'query'.padEnd(width)}  ${'runs'.padStart(5)}  ${'p50 ms'.padStart(10)}  ${'p99 ms'.padStart(10)}  ${'max ms'.padStart(10)}`,
  ]
  for (const t of ts) {
    lines.push(
      `${t.label.padEnd(width)}  ${String(t.ms.length).padStart(5)}  ${f(percentile(t.ms, 50))}  ${f(percentile(t.ms, 99))}  ${f(Math.max(...t.ms))}`,
    )
  }
  return lines.join('\n')
}

/** Bytes as "1.2 GB" / "340 MB" / "12 kB". */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`
  if (n >= 1e6) return `${(n / 1e6).toFixed(0)} MB`
  return `${(n / 1e3).toFixed(0)} kB`
}
