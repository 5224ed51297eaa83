/**
 * Parses TwiML into a small tree so tests assert on verbs, order and attributes, not substrings.
 * Handles exactly what twilio's VoiceResponse emits: elements, attributes, text, five entities.
 */
export interface TwimlNode {
  name: string
  attrs: Record<string, string>
  children: TwimlNode[]
  text: string
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }
const decode = (s: string) =>
  s.replace(/&(amp|lt|gt|quot|apos);/g, (_m, e: string) => ENTITIES[e] ?? '')

export function parseTwiml(xml: string): TwimlNode {
  const body = xml.replace(/^<\?xml[^>]*\?>/, '').trim()
  const root: TwimlNode = { name: '#root', attrs: {}, children: [], text: '' }
  const stack = [root]
  const re = /<(\/?)([A-Za-z]+)([^>]*?)(\/?)>|([^<]+)/g
  for (const m of body.matchAll(re)) {
    const top = stack[stack.length - 1] as TwimlNode
    if (m[5] !== undefined) {
      top.text += decode(m[5])
      continue
    }
    if (m[1]) {
      if (top.name !== m[2]) throw new Error(`bad TwiML: </${m[2]}> closes <${top.name}>`)
      stack.pop()
      continue
    }
    const attrs: Record<string, string> = {}
    for (const a of (m[3] ?? '').matchAll(/([A-Za-z]+)="([^"]*)"/g))
      attrs[a[1] as string] = decode(a[2] as string)
    const node: TwimlNode = { name: m[2] as string, attrs, children: [], text: '' }
    top.children.push(node)
    if (!m[4]) stack.push(node)
  }
  if (stack.length !== 1) throw new Error('bad TwiML: unclosed element')
  const response = root.children[0]
  if (response?.name !== 'Response') throw new Error(`bad TwiML: root is ${response?.name}`)
  return response
}

/** Verb names in document order, nested ones as Parent>Child. */
export function verbs(n: TwimlNode, prefix = ''): string[] {
  return n.children.flatMap((c) => [`${prefix}${c.name}`, ...verbs(c, `${prefix}${c.name}>`)])
}

export function find(n: TwimlNode, name: string): TwimlNode | undefined {
  for (const c of n.children) {
    if (c.name === name) return c
    const deeper = find(c, name)
    if (deeper) return deeper
  }
  return undefined
}

export function allText(n: TwimlNode): string {
  return [n.text, ...n.children.map(allText)].join(' ')
}
