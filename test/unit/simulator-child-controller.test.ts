import { getEventListeners } from 'node:events'

import { describe, expect, it } from 'vitest'

import { AbortedError, childController, liveChildren } from '../../src/telephony/simulator/core.ts'

// The simulator's lifetime signal is the parent of every call's run; a run, of every gather and
// hold round. A busy day makes hundreds of thousands of children of one parent.
describe('childController', () => {
  it('aborts with its parent while it lives', () => {
    const parent = new AbortController()
    const child = childController(parent.signal)
    parent.abort()
    expect(child.signal.aborted).toBe(true)
  })

  it('holds no child once aborted or released, and one listener on the parent for all', () => {
    const parent = new AbortController()
    for (let i = 0; i < 1000; i++) {
      const child = childController(parent.signal)
      if (i % 2) child.abort()
      else child.release()
    }
    expect(liveChildren(parent.signal)).toBe(0)
    const live = childController(parent.signal)
    const released = childController(parent.signal)
    released.release()
    expect(liveChildren(parent.signal)).toBe(1)
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(1)
    parent.abort()
    expect(live.signal.aborted).toBe(true)
    expect(released.signal.aborted).toBe(false)
    expect(liveChildren(parent.signal)).toBe(0)
  })

  it('aborts every live child of a parent, and a child born after the abort at once', () => {
    const parent = new AbortController()
    const kids = Array.from({ length: 50 }, () => childController(parent.signal))
    parent.abort()
    expect(kids.every((k) => k.signal.aborted)).toBe(true)
    expect(childController(parent.signal).signal.aborted).toBe(true)
  })

  it("aborts with the simulator's own reason, not a new DOMException each time", () => {
    const child = childController(new AbortController().signal)
    child.abort()
    expect(child.signal.reason).toBeInstanceOf(AbortedError)
  })
})
