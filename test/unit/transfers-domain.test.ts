import { describe, expect, it } from 'vitest'

import { createWorkingCalendar } from '../../src/domain/calendar/working-calendar.ts'
import { departmentOpen, dutyAddress, nextOnDuty } from '../../src/domain/department-duty.ts'
import { nextIvrStep } from '../../src/domain/ivr-flow.ts'
import { noticeText, referenceFromDigits } from '../../src/domain/notice-text.ts'
import { departmentBriefing } from '../../src/domain/transfer-prompts.ts'

const person = (id: number, rank: number, onDuty = true, active = true) => ({
  id,
  rank,
  onDuty,
  active,
  phoneNumber: null,
  clientIdentity: `p${id}`,
})

describe('who a transfer rings', () => {
  const people = [person(3, 2), person(1, 1), person(2, 1, false), person(4, 3, true, false)]

  it('rings on-duty, active people by rank, skipping those already tried', () => {
    expect(nextOnDuty(people, [])?.id).toBe(1)
    expect(nextOnDuty(people, [1])?.id).toBe(3)
    // Everyone tried: start again from the top rather than refuse.
    expect(nextOnDuty(people, [1, 3])?.id).toBe(1)
  })

  it('rings a named person only if they are on duty', () => {
    expect(nextOnDuty(people, [], 3)?.id).toBe(3)
    expect(nextOnDuty(people, [], 2)).toBeUndefined()
    expect(nextOnDuty(people, [], 4)).toBeUndefined()
    expect(nextOnDuty([person(9, 1, false)], [])).toBeUndefined()
  })

  it('dials a phone number before a client identity', () => {
    expect(dutyAddress({ phoneNumber: '+8613700000001', clientIdentity: 'x' })).toBe(
      '+8613700000001',
    )
    expect(dutyAddress({ phoneNumber: null, clientIdentity: 'dept-1' })).toBe('client:dept-1')
  })
})

describe('department service hours', () => {
  const calendar = createWorkingCalendar({ timeZone: 'Asia/Shanghai' })
  const office = { serviceHours: '08:30-17:30', serviceDays: 'working' as const }

  it('is open inside its hours on a working day only', () => {
    expect(
      departmentOpen(office, new Date('2026-11-23T02:00:00Z'), 'Asia/Shanghai', calendar),
    ).toBe(true)
    // 18:00 Monday, then 10:00 Saturday, then 10:00 on National Day.
    expect(
      departmentOpen(office, new Date('2026-11-23T10:00:00Z'), 'Asia/Shanghai', calendar),
    ).toBe(false)
    expect(
      departmentOpen(office, new Date('2026-11-28T02:00:00Z'), 'Asia/Shanghai', calendar),
    ).toBe(false)
    expect(
      departmentOpen(office, new Date('2026-10-01T02:00:00Z'), 'Asia/Shanghai', calendar),
    ).toBe(false)
    const always = { serviceHours: '00:00-24:00', serviceDays: 'every' as const }
    expect(
      departmentOpen(always, new Date('2026-11-28T18:00:00Z'), 'Asia/Shanghai', calendar),
    ).toBe(true)
  })
})

describe('the one-time notice', () => {
  const content = {
    title: 'Replacing an access card',
    bring: ['ID card', 'fee of 20 yuan'],
    steps: ['fill in the form', 'take the card'],
    timeLimit: 'on the spot',
  }

  it('puts everything in one message, numbered', () => {
    expect(noticeText('HL-20261123-0001', 'en-US', content)).toBe(
      'Case HL-20261123-0001: Replacing an access card. Bring or prepare: 1. ID card 2. fee of 20 yuan.' +
        ' Steps: 1. fill in the form 2. take the card. Time limit: on the spot.',
    )
  })

  it('reads a case reference back from keyed digits', () => {
    expect(referenceFromDigits('HL', '202611230042')).toBe('HL-20261123-0042')
    expect(referenceFromDigits('HL', '2026112342')).toBeUndefined()
    expect(referenceFromDigits('HL', '20261123004a')).toBeUndefined()
  })

  it('is offered from either menu with *', () => {
    const at = { step: 'category' as const, language: 'zh-CN' as const, silences: 0, invalids: 0 }
    expect(nextIvrStep(at, '*', [1, 2])).toEqual({ kind: 'notice_resend', language: 'zh-CN' })
    expect(nextIvrStep({ ...at, step: 'open_case' }, '*', [1])).toEqual({
      kind: 'notice_resend',
      language: 'zh-CN',
    })
  })
})

describe('the department briefing', () => {
  it('names the case, what the caller said, what the agent asks and the first owner', () => {
    const text = departmentBriefing('en-US', {
      reference: 'HL-1',
      category: 'repairs',
      place: 'Block 3, room 501',
      content: 'kitchen tap leaks',
      note: 'send someone today',
      ownerJobNumber: '1001',
      cold: false,
    })
    for (const part of [
      'H L - 1',
      'repairs',
      'Block 3, room 501',
      'kitchen tap leaks',
      'send someone today',
      '1 0 0 1',
      'Press 1',
    ]) {
      expect(text).toContain(part)
    }
  })
})
