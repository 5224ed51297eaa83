import { describe, expect, it } from 'vitest'

import { firstMenu, nextIvrStep } from '../../src/domain/ivr-flow.ts'

const KEYS = [1, 2, 3, 4]

describe('nextIvrStep', () => {
  const start = firstMenu('zh-CN', false)

  it('queues a new case with the chosen category', () => {
    expect(nextIvrStep(start, '2', KEYS)).toEqual({
      kind: 'queue',
      target: { kind: 'new_case', categoryKey: 2, emergency: false },
      language: 'zh-CN',
    })
  })

  it('treats 0 as an emergency that skips the queue order', () => {
    expect(nextIvrStep(start, '0', KEYS)).toMatchObject({
      target: { kind: 'new_case', emergency: true },
    })
  })

  it('switches language on 9 and stays at the same step', () => {
    expect(nextIvrStep(start, '9', KEYS)).toEqual({
      kind: 'menu',
      position: { ...start, language: 'en-US' },
      notice: 'none',
    })
  })

  it('repeats after one silence and hangs up politely after the second', () => {
    const once = nextIvrStep(start, undefined, KEYS)
    expect(once).toEqual({ kind: 'menu', position: { ...start, silences: 1 }, notice: 'silence' })
    if (once.kind !== 'menu') throw new Error('expected a menu')
    expect(nextIvrStep(once.position, '', KEYS)).toEqual({
      kind: 'hangup_silent',
      language: 'zh-CN',
    })
  })

  it('sends a caller who cannot work the menu to an agent after three wrong keys', () => {
    let at = start
    for (let i = 0; i < 2; i++) {
      const d = nextIvrStep(at, '7', KEYS)
      expect(d).toMatchObject({ kind: 'menu', notice: 'invalid' })
      if (d.kind === 'menu') at = d.position
    }
    expect(nextIvrStep(at, '7', KEYS)).toMatchObject({
      kind: 'queue',
      target: { kind: 'new_case', categoryKey: null },
    })
  })

  it('offers the open case first: 1 continues it, 2 goes to the category menu', () => {
    const open = firstMenu('en-US', true)
    expect(open.step).toBe('open_case')
    expect(nextIvrStep(open, '1', KEYS)).toEqual({
      kind: 'queue',
      target: { kind: 'existing_case' },
      language: 'en-US',
    })
    expect(nextIvrStep(open, '2', KEYS)).toMatchObject({
      kind: 'menu',
      position: { step: 'category' },
    })
  })
})
