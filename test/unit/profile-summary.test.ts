import { describe, expect, it } from 'vitest'

import type { CpuProfile } from '../../bench/profile-summary.ts'
import { functionKey, packageKey, selfTimes } from '../../bench/profile-summary.ts'

// A profile of three frames: the root, a repo function and an express function it calls.
const frame = (functionName: string, url: string, lineNumber: number) => ({
  functionName,
  url,
  lineNumber,
})
const profile: CpuProfile = {
  startTime: 0,
  endTime: 1600,
  nodes: [
    { id: 1, callFrame: frame('(root)', '', -1), children: [2] },
    {
      id: 2,
      callFrame: frame('route', 'file:///repo/src/voice/voice.routes.ts', 9),
      children: [3],
    },
    { id: 3, callFrame: frame('next', 'file:///repo/node_modules/express/lib/router.js', 41) },
  ],
  samples: [2, 3, 3, 2],
  // Microseconds before each sample: route gets 100 + 1000 = 1100, next 200 + 300 = 500.
  timeDeltas: [100, 200, 300, 1000],
}

describe('the CPU profile summary', () => {
  it('adds each sample’s time to the function on top of the stack', () => {
    const rows = selfTimes(profile, functionKey)
    expect(rows).toEqual([
      // 1100 µs of 1600: 68.75 %; 500 µs: 31.25 %.
      { key: 'route src/voice/voice.routes.ts:10', ms: 1.1, share: 0.6875 },
      { key: 'next express/lib/router.js:42', ms: 0.5, share: 0.3125 },
    ])
  })

  it('groups by package: the repo by folder, node_modules by package name', () => {
    expect(selfTimes(profile, packageKey).map((r) => r.key)).toEqual(['src/voice', 'express'])
  })

  it('shares the duration by hit count when the profile has no samples', () => {
    const old: CpuProfile = {
      ...profile,
      samples: undefined,
      timeDeltas: undefined,
      nodes: profile.nodes.map((n) => ({ ...n, hitCount: n.id === 2 ? 3 : n.id === 3 ? 1 : 0 })),
    }
    // 4 hits over 1600 µs: 400 µs each; route 3 hits = 1.2 ms, next 1 hit = 0.4 ms.
    expect(selfTimes(old, functionKey).map((r) => [r.key.split(' ')[0], r.ms])).toEqual([
      ['route', 1.2],
      ['next', 0.4],
    ])
  })
})
