import { textOf, type XmlElement } from './xml.ts'

/** Reading TwiML attributes with Twilio's rules; a bad value is a TwimlError (12200). */

export type HttpMethod = 'GET' | 'POST'

/** Twilio's error codes: 12100 document parse failure, 12200 schema validation. */
export class TwimlError extends Error {
  override name = 'TwimlError'
  readonly code: number
  constructor(code: 12100 | 12200, message: string) {
    super(message)
    this.code = code
  }
}

export function requiredText(el: XmlElement): string {
  const text = textOf(el).trim()
  if (!text) throw new TwimlError(12200, `<${el.name}> needs text content`)
  return text
}

export type Attrs = ReturnType<typeof attrs>

export function attrs(el: XmlElement) {
  const str = (name: string): string | undefined => el.attrs[name]
  return {
    str,
    int(name: string): number | undefined {
      const v = str(name)
      if (v === undefined || v.trim() === '') return undefined
      if (!/^\d+$/.test(v.trim())) {
        throw new TwimlError(12200, `<${el.name} ${name}="${v}"> must be a whole number`)
      }
      return Number(v)
    },
    bool(name: string, fallback: boolean): boolean {
      const v = str(name)
      if (v === undefined) return fallback
      if (v !== 'true' && v !== 'false') {
        throw new TwimlError(12200, `<${el.name} ${name}="${v}"> must be true or false`)
      }
      return v === 'true'
    },
    method(name: string, fallback: HttpMethod): HttpMethod {
      const v = str(name)?.toUpperCase()
      if (v === undefined) return fallback
      if (v !== 'GET' && v !== 'POST') {
        throw new TwimlError(12200, `<${el.name} ${name}="${v}"> must be GET or POST`)
      }
      return v
    },
  }
}
