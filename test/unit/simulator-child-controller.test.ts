import { getEventListeners } from 'node:events'

import { describe, expect, it } from 'vitest'

import { AbortedError, childController } from '../../src/telephony/simulator/core.ts'

// The simulator's lifetime signal is the parent of every call's run; a run, of every gather and
// hold round. A busy day makes hundreds of thousands of children of one parent.
describe('childController', () => {
  it('aborts with its parent while it lives', () => {
    const parent = new AbortController()
    const child = childController(parent.signal)
    parent.abort()
    expect(child.signal.aborted).toBe(true)
  })

  it('leaves no listener on the parent once aborted or released', () => {
    const parent = new AbortController()
    for (let i = 0; i < 1000; i++) {
      const child = childController(parent.signal)
      if (i % 2) child.abort()
      else child.release()
    }
    const live = childController(parent.signal)
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(1)
    live.release()
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0)
    parent.abort()
    expect(live.signal.aborted).toBe(false)
  })

  it("aborts with the simulator's own reason, not a new DOMException each time", () => {
    const child = childController(new AbortController().signal)
    child.abort()
    expect(child.signal.reason).toBeInstanceOf(AbortedError)
  })
})
