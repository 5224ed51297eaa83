import { afterEach, describe, expect, it } from 'vitest'

import type { MenuView } from '../../src/calls/inbound-call.ts'
import { firstMenu } from '../../src/domain/ivr-flow.ts'
import { setPromptOverrides } from '../../src/domain/prompts.ts'
import { createVoicePaths } from '../../src/voice/paths.ts'
import { renderHold, renderMenu, sayAndHangUp } from '../../src/voice/twiml.ts'

// Rendered documents are kept by their inputs (src/voice/twiml.ts): a kept one must be exactly
// what a fresh render gives, and must change whenever an input or an administrator's wording does.
const paths = createVoicePaths('https://hotline.example.org')
const categories = [
  { key: 1, nameZh: '报修', nameEn: 'repairs' },
  { key: 2, nameZh: '投诉', nameEn: 'complaints' },
]
const view = (over: Partial<MenuView> = {}): MenuView => ({
  position: firstMenu('en-US', false),
  orgName: 'City Hotline',
  openCase: null,
  categories,
  ...over,
})

afterEach(() => setPromptOverrides({}))

describe('kept TwiML documents', () => {
  it('gives the same document for the same inputs, and another for any other input', () => {
    const first = renderMenu(paths, view(), { greet: true })
    expect(renderMenu(paths, view(), { greet: true })).toBe(first)
    expect(first).toContain('Hello, thank you for calling City Hotline.')
    expect(first).toContain('repairs')

    // Each of these changes the document: the name, the categories, the greeting, the position
    // (the action URL), another public base URL.
    const others = [
      renderMenu(paths, view({ orgName: 'Water Hotline' }), { greet: true }),
      renderMenu(paths, view({ categories: categories.slice(0, 1) }), { greet: true }),
      renderMenu(paths, view(), { greet: false }),
      renderMenu(paths, view({ position: { ...firstMenu('en-US', false), silences: 1 } }), {
        greet: true,
      }),
      renderMenu(createVoicePaths('https://other.example.org'), view(), { greet: true }),
    ]
    for (const o of others) expect(o).not.toBe(first)
    expect(others[0]).toContain('Water Hotline')
    expect(others[1]).not.toContain('complaints')
    expect(others[2]).not.toContain('thank you for calling')
    expect(others[3]).toContain('s=1')
    expect(others[4]).toContain('https://other.example.org/voice/menu')
  })

  it('reads the open case only on its own step', () => {
    const openCase = { reference: 'HL-20261123-0042', ownerJobNumber: '1001' }
    const onCase = renderMenu(paths, view({ position: firstMenu('en-US', true), openCase }), {
      greet: true,
    })
    // The open case's reference is spelt out digit by digit; the category menu is not read.
    expect(onCase).not.toContain('repairs')
    const otherCase = renderMenu(
      paths,
      view({
        position: firstMenu('en-US', true),
        openCase: { ...openCase, ownerJobNumber: '1002' },
      }),
      { greet: true },
    )
    expect(otherCase).not.toBe(onCase)
  })

  it("follows an administrator's wording as soon as it changes, and back", () => {
    const builtIn = renderMenu(paths, view(), { greet: true })
    const hold = renderHold('en-US', paths.holdMusic)
    setPromptOverrides({
      'en-US': { greeting: 'Welcome to {org}.', holdProgress: 'Still there, please hold.' },
    })
    expect(renderMenu(paths, view(), { greet: true })).toContain('Welcome to City Hotline.')
    expect(renderHold('en-US', paths.holdMusic)).toContain('Still there, please hold.')
    setPromptOverrides({})
    expect(renderMenu(paths, view(), { greet: true })).toBe(builtIn)
    expect(renderHold('en-US', paths.holdMusic)).toBe(hold)
  })

  it('keeps the hold document per language and music URL', () => {
    const zh = renderHold('zh-CN', paths.holdMusic)
    expect(zh).toContain('Polly.Zhiyu')
    expect(renderHold('en-US', paths.holdMusic)).toContain('Polly.Joanna')
    expect(renderHold('zh-CN', 'https://cdn.example.org/hold.mp3')).toContain(
      '<Play>https://cdn.example.org/hold.mp3</Play>',
    )
    expect(sayAndHangUp('en-US', 'Goodbye.')).toContain('<Hangup/>')
  })
})
