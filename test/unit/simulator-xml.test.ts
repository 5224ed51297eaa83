import { describe, expect, it } from 'vitest'

import { parseTwiml, TwimlError } from '../../src/telephony/simulator/twiml.ts'
import { parseXml, XmlError } from '../../src/telephony/simulator/xml.ts'

describe('parseXml', () => {
  it('reads the prolog, attributes, nested elements, text and self-closing tags', () => {
    const doc = parseXml(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n  <Say language=\'zh-CN\' loop="2">Hi</Say>' +
        '<Gather numDigits="1"><Pause length="3"/></Gather><Hangup /></Response>',
    )
    expect(doc.name).toBe('Response')
    const elements = doc.children.filter((c) => typeof c !== 'string')
    expect(elements.map((e) => e.name)).toEqual(['Say', 'Gather', 'Hangup'])
    expect(elements[0]).toEqual({
      name: 'Say',
      attrs: { language: 'zh-CN', loop: '2' },
      children: ['Hi'],
    })
    expect(elements[1]?.children).toEqual([{ name: 'Pause', attrs: { length: '3' }, children: [] }])
  })

  it('decodes named and numeric entities in text and attributes', () => {
    const doc = parseXml('<a href="/x?a=1&amp;b=&quot;2&quot;">&lt;&#20320;&#x597D;&gt; &apos;</a>')
    expect(doc.attrs.href).toBe('/x?a=1&b="2"')
    expect(doc.children).toEqual(["<你好> '"])
  })

  it('keeps CDATA as text and skips comments', () => {
    const doc = parseXml('<a><!-- note --><![CDATA[1 < 2 & 3]]></a>')
    expect(doc.children).toEqual(['1 < 2 & 3'])
  })

  it.each([
    ['<a><b></a>', /does not match/],
    ['<a>', /Unclosed tag <a>/],
    ['<a></a><b/>', /More than one root/],
    ['<a x=1/>', /must be quoted/],
    ['<a>Tom & Jerry</a>', /Bare "&"/],
    ['<a>&nbsp;</a>', /Unknown entity/],
    ['<a x="1" x="2"/>', /Duplicate attribute/],
    ['<!DOCTYPE html><a/>', /DOCTYPE/],
    ['', /No root element/],
    ['text<a/>', /Text outside/],
  ])('rejects %s', (xml, message) => {
    expect(() => parseXml(xml)).toThrow(XmlError)
    expect(() => parseXml(xml)).toThrow(message)
  })
})

describe('parseTwiml', () => {
  it('fills in Twilio defaults', () => {
    const [gather, record, dial] = parseTwiml(
      '<Response><Gather><Say>Hi</Say></Gather><Record/><Dial>+8610</Dial></Response>',
    )
    expect(gather).toMatchObject({
      verb: 'Gather',
      input: ['dtmf'],
      timeoutSec: 5,
      finishOnKey: '#',
      method: 'POST',
      actionOnEmptyResult: false,
      numDigits: undefined,
      prompts: [{ verb: 'Say', text: 'Hi', loop: 1 }],
    })
    expect(record).toMatchObject({ maxLengthSec: 3600, finishOnKey: '1234567890*#', timeoutSec: 5 })
    expect(dial).toMatchObject({ timeoutSec: 30, nouns: [{ kind: 'number', address: '+8610' }] })
  })

  it('reads a Conference noun with its status callback events', () => {
    const [dial] = parseTwiml(
      '<Response><Dial action="/after"><Conference startConferenceOnEnter="false" ' +
        'endConferenceOnExit="true" waitUrl="/hold" statusCallbackEvent="start end join" ' +
        'participantLabel="caller">room</Conference></Dial></Response>',
    )
    expect(dial).toMatchObject({
      verb: 'Dial',
      action: '/after',
      nouns: [
        {
          kind: 'conference',
          name: 'room',
          startConferenceOnEnter: false,
          endConferenceOnExit: true,
          waitUrl: '/hold',
          waitMethod: 'POST',
          statusCallbackEvents: ['start', 'end', 'join'],
          label: 'caller',
        },
      ],
    })
  })

  it('flattens SSML inside Say and treats loop="0" as many times', () => {
    const [say] = parseTwiml('<Response><Say loop="0">Hello <break/>there</Say></Response>')
    expect(say).toMatchObject({ verb: 'Say', text: 'Hello there', loop: 1000 })
  })

  it.each([
    ['<Response><Dance/></Response>', 12200, /<Dance>/],
    ['<Reply/>', 12100, /must be <Response>/],
    ['<Response><Say>', 12100, /parse failure/],
    ['<Response><Gather><Dial>1</Dial></Gather></Response>', 12200, /cannot contain <Dial>/],
    ['<Response><Pause length="soon"/></Response>', 12200, /whole number/],
    ['<Response><Redirect method="PUT">/x</Redirect></Response>', 12200, /GET or POST/],
    ['<Response><Redirect/></Response>', 12200, /needs text/],
    ['<Response>hello</Response>', 12200, /Unexpected text/],
  ])('rejects %s with code %i', (xml, code, message) => {
    let error: unknown
    try {
      parseTwiml(xml)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(TwimlError)
    expect(error).toMatchObject({ code })
    expect((error as Error).message).toMatch(message)
  })
})
