import { describe, expect, it } from 'vitest'

import type { Timing } from '../../bench/volume-stats.ts'
import { checkTargets, formatBytes, percentile } from '../../bench/volume-stats.ts'

const range = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i))

describe('bench:volume checks', () => {
  it('takes nearest-rank percentiles', () => {
    // 1..100 ms: p50 is the 50th value, p99 the 99th.
    const ms = range(100, (i) => 100 - i)
    expect(percentile(ms, 50)).toBe(50)
    expect(percentile(ms, 99)).toBe(99)
    expect(percentile(ms, 100)).toBe(100)
    expect(percentile([7], 99)).toBe(7)
    expect(() => percentile([], 50)).toThrow()
  })

  it('holds each query to its target and the per-call lookups to the smaller size', () => {
    // 100 runs of 1 ms with two slow ones: p99 is the 99th value, 4 ms (the 9 ms is the max).
    const lookup = [...range(98, () => 1), 4, 9]
    const at5m: Timing[] = [
      { label: 'count', kind: 'baseline', ms: [5000] },
      { label: 'lookup', kind: 'per-call', ms: lookup },
      { label: 'board', kind: 'board', ms: [...range(99, () => 20), 150] },
      { label: 'rates', kind: 'report', ms: [400, 1200] },
    ]
    // At 1M the lookup's p99 was 1.5 ms: flat allows max(2 × 1.5, 1.5 + 1) = 3 ms, and 4 is not.
    const at1m: Timing[] = [{ label: 'lookup', kind: 'per-call', ms: range(100, () => 1.5) }]
    const checks = checkTargets(at5m, at1m)
    expect(checks.map((c) => [c.label, c.ok])).toEqual([
      ['lookup', true], // p99 4 <= 5
      ['lookup: flat', false], // 4 > 3
      ['board', true], // p99 of 100 runs is the 99th: 20 (the 150 is the max)
      ['rates', false], // a report's worst run, 1200 > 1000
    ])
    // Without a smaller size there is no flatness to judge.
    expect(checkTargets(at5m).map((c) => c.label)).toEqual(['lookup', 'board', 'rates'])
  })

  it('prints sizes in round units', () => {
    expect(formatBytes(2_340_000_000)).toBe('2.34 GB')
    expect(formatBytes(340_400_000)).toBe('340 MB')
    expect(formatBytes(12_300)).toBe('12 kB')
  })
})
