import { describe, expect, it } from 'vitest'

import {
  chooseDialable,
  dialableNumber,
  dialableNumbers,
  softphoneRefusalText,
} from '../../src/domain/softphone-call.ts'

describe('the numbers a softphone may ring on a case', () => {
  it('takes a number as typed on the case form, in E.164 only', () => {
    expect(dialableNumber('+86 138-0000-1111')).toBe('+8613800001111')
    expect(dialableNumber('+1 (500) 555-0006')).toBe('+15005550006')
    // Without its country code it could ring someone in another country.
    expect(dialableNumber('138 0000 1111')).toBeNull()
    expect(dialableNumber('client:agent-1001')).toBeNull()
    expect(dialableNumber('')).toBeNull()
    expect(dialableNumber(null)).toBeNull()
  })

  it('lists the caller, then a different contact phone; never a withheld number', () => {
    expect(
      dialableNumbers({
        callerNumber: '+8613900001234',
        contactPhone: '+86 138 0000 1111',
        callerWithheld: false,
      }),
    ).toEqual([
      { target: 'caller', number: '+8613900001234' },
      { target: 'contact', number: '+8613800001111' },
    ])
    expect(
      dialableNumbers({
        callerNumber: '+8613900001234',
        contactPhone: '+86 139 0000 1234',
        callerWithheld: false,
      }),
    ).toEqual([{ target: 'caller', number: '+8613900001234' }])
    expect(
      dialableNumbers({ callerNumber: '+266696687', contactPhone: null, callerWithheld: true }),
    ).toEqual([])
  })

  it('chooses by word or by any spelling of a listed number, and nothing else', () => {
    const numbers = dialableNumbers({
      callerNumber: '+8613900001234',
      contactPhone: '+8613800001111',
      callerWithheld: false,
    })
    expect(chooseDialable(numbers, 'contact')?.number).toBe('+8613800001111')
    expect(chooseDialable(numbers, '+86 139-0000-1234')?.target).toBe('caller')
    expect(chooseDialable(numbers, '+8613911119999')).toBeUndefined()
    expect(chooseDialable(numbers, '110')).toBeUndefined()
    expect(chooseDialable([], 'caller')).toBeUndefined()
  })

  it('says every refusal in both languages', () => {
    for (const why of [
      'not_an_agent',
      'no_case',
      'not_your_case',
      'number_not_on_case',
      'no_hotline',
    ] as const) {
      expect(softphoneRefusalText('zh-CN', why)).toMatch(/[\u4e00-\u9fff]/)
      expect(softphoneRefusalText('en-US', why)).toMatch(/^[A-Z]/)
    }
  })
})
