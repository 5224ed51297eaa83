/**
 * A small XML parser for the TwiML we serve: elements, attributes, text, the five named entities
 * plus numeric ones, comments, CDATA and the `<?xml ...?>` prolog. It is strict on structure
 * (mismatched or unclosed tags throw) because a document Twilio cannot parse ends the call.
 */

export interface XmlElement {
  name: string
  attrs: Record<string, string>
  children: XmlNode[]
}

export type XmlNode = XmlElement | string

export class XmlError extends Error {
  override name = 'XmlError'
  readonly offset: number
  constructor(message: string, offset: number) {
    super(`${message} (at character ${offset})`)
    this.offset = offset
  }
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
}

const NAME_RE = /[A-Za-z_:][\w:.-]*/y
const SPACE_RE = /\s*/y

export function decodeEntities(text: string, offset = 0): string {
  return text.replace(/&([^;&\s]*);?/g, (whole, ref: string, at: number) => {
    if (!whole.endsWith(';')) throw new XmlError(`Bare "&" (write &amp;)`, offset + at)
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10)
      if (!Number.isFinite(code) || code < 0 || code > 0x10ffff) {
        throw new XmlError(`Bad character reference &${ref};`, offset + at)
      }
      return String.fromCodePoint(code)
    }
    const named = NAMED_ENTITIES[ref]
    if (named === undefined) throw new XmlError(`Unknown entity &${ref};`, offset + at)
    return named
  })
}

export function parseXml(source: string): XmlElement {
  let pos = 0
  const stack: XmlElement[] = []
  let root: XmlElement | undefined

  function fail(message: string): never {
    throw new XmlError(message, pos)
  }
  const skipSpace = () => {
    SPACE_RE.lastIndex = pos
    SPACE_RE.exec(source)
    pos = SPACE_RE.lastIndex
  }
  const readName = (): string => {
    NAME_RE.lastIndex = pos
    const m = NAME_RE.exec(source)
    if (!m) return fail('Expected a tag or attribute name')
    pos = NAME_RE.lastIndex
    return m[0]
  }
  const skipPast = (terminator: string, what: string): string => {
    const end = source.indexOf(terminator, pos)
    if (end < 0) fail(`Unterminated ${what}`)
    const inner = source.slice(pos, end)
    pos = end + terminator.length
    return inner
  }
  const addChild = (node: XmlNode) => {
    const parent = stack[stack.length - 1]
    if (parent) parent.children.push(node)
    else if (typeof node === 'string') {
      if (node.trim() !== '') fail('Text outside the root element')
    } else if (root) fail('More than one root element')
    else root = node
  }

  if (source.charCodeAt(0) === 0xfeff) pos = 1
  while (pos < source.length) {
    const lt = source.indexOf('<', pos)
    if (lt !== pos) {
      const end = lt < 0 ? source.length : lt
      addChild(decodeEntities(source.slice(pos, end), pos))
      pos = end
      continue
    }
    if (source.startsWith('<?', pos)) {
      pos += 2
      skipPast('?>', 'processing instruction')
    } else if (source.startsWith('<!--', pos)) {
      pos += 4
      skipPast('-->', 'comment')
    } else if (source.startsWith('<![CDATA[', pos)) {
      pos += 9
      if (stack.length === 0) fail('CDATA outside the root element')
      addChild(skipPast(']]>', 'CDATA section'))
    } else if (source.startsWith('<!', pos)) {
      fail('DOCTYPE and other declarations are not supported')
    } else if (source.startsWith('</', pos)) {
      pos += 2
      const name = readName()
      skipSpace()
      if (source[pos] !== '>') fail(`Expected ">" to close </${name}`)
      pos += 1
      const open = stack.pop()
      if (!open) fail(`Closing tag </${name}> without an opening tag`)
      else if (open.name !== name) fail(`Closing tag </${name}> does not match <${open.name}>`)
    } else {
      pos += 1
      const element: XmlElement = { name: readName(), attrs: {}, children: [] }
      for (;;) {
        skipSpace()
        if (source.startsWith('/>', pos)) {
          pos += 2
          addChild(element)
          break
        }
        if (source[pos] === '>') {
          pos += 1
          addChild(element)
          stack.push(element)
          break
        }
        if (pos >= source.length) fail(`Unterminated tag <${element.name}>`)
        const attr = readName()
        skipSpace()
        if (source[pos] !== '=') fail(`Attribute ${attr} needs a value`)
        pos += 1
        skipSpace()
        const quote = source[pos]
        if (quote !== '"' && quote !== "'") fail(`Attribute ${attr} value must be quoted`)
        pos += 1
        const valueAt = pos
        const raw = skipPast(quote, `value of attribute ${attr}`)
        if (raw.includes('<')) throw new XmlError(`"<" in the value of ${attr}`, valueAt)
        if (attr in element.attrs) fail(`Duplicate attribute ${attr}`)
        element.attrs[attr] = decodeEntities(raw, valueAt)
      }
    }
  }
  const open = stack[stack.length - 1]
  if (open) fail(`Unclosed tag <${open.name}>`)
  if (!root) fail('No root element')
  return root
}

/** All text under a node, e.g. the words of a `<Say>` that contains SSML tags. */
export function textOf(node: XmlNode): string {
  return typeof node === 'string' ? node : node.children.map(textOf).join('')
}
