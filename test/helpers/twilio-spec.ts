import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

/**
 * Checks a request the twilio client would send against Twilio's own OpenAPI description of
 * api.twilio.com (2010-04-01). The description lives beside the repository (`../shared/`, as CI
 * clones it), so a fake that passes here fails where real Twilio would.
 */

const SPEC_PATH = fileURLToPath(
  new URL('../../../shared/twilio/twilio_api_v2010.json', import.meta.url),
)
const FORM = 'application/x-www-form-urlencoded'
const METHODS = ['get', 'post', 'put', 'delete', 'patch'] as const
type Method = (typeof METHODS)[number]

export interface SchemaObject {
  $ref?: string
  type?: string
  format?: string
  enum?: unknown[]
  pattern?: string
  minLength?: number
  maxLength?: number
  items?: SchemaObject
  properties?: Record<string, SchemaObject>
  required?: string[]
  description?: string
  'x-twilio'?: { ignoreFormat?: boolean }
}
interface ParameterObject {
  name: string
  in: string
  required?: boolean
  description?: string
  schema?: SchemaObject
  examples?: Record<string, { value?: unknown }>
}
interface MediaTypeObject {
  schema?: SchemaObject
  examples?: Record<string, { value?: unknown }>
}
interface OperationObject {
  operationId?: string
  parameters?: ParameterObject[]
  requestBody?: { content?: Record<string, MediaTypeObject> }
  responses?: Record<string, { content?: Record<string, MediaTypeObject> }>
}
type PathItemObject = { servers?: { url: string }[]; parameters?: ParameterObject[] } & Partial<
  Record<Method, OperationObject>
>
interface OpenApiDocument {
  servers?: { url: string }[]
  paths: Record<string, PathItemObject>
  components?: { schemas?: Record<string, SchemaObject> }
}
interface Route {
  template: string
  pattern: RegExp
  names: string[]
  literalChars: number
  host: string
  item: PathItemObject
}
interface TwilioSpec {
  document: OpenApiDocument
  routes: Route[]
  operations: Map<string, OperationObject>
}

// Twilio's RequestClient serializes `data` and `params` with its own qs; using that very copy
// keeps array values (StatusCallbackEvent) as repeated keys, exactly as they go on the wire.
const twilioRequire = createRequire(createRequire(import.meta.url).resolve('twilio'))
const qs = twilioRequire('qs') as {
  stringify(value: object, options: { arrayFormat: 'repeat' }): string
}

let cached: TwilioSpec | undefined

export function loadTwilioSpec(): TwilioSpec {
  if (cached) return cached
  if (!existsSync(SPEC_PATH)) {
    throw new Error(
      `Twilio's API description is missing: expected ${SPEC_PATH}. Tests check every Twilio ` +
        'request against it; put the shared folder beside the repository ' +
        '(../shared/twilio/twilio_api_v2010.json), as CI does.',
    )
  }
  const document = JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as OpenApiDocument
  const server = document.servers?.[0]?.url ?? 'https://api.twilio.com'
  const routes = Object.entries(document.paths).map(([template, item]) =>
    compileRoute(template, item, server),
  )
  const operations = new Map<string, OperationObject>()
  for (const route of routes) {
    for (const method of METHODS) {
      const operationId = route.item[method]?.operationId
      if (operationId) operations.set(operationId, route.item[method] ?? {})
    }
  }
  cached = { document, routes, operations }
  return cached
}

function compileRoute(template: string, item: PathItemObject, server: string): Route {
  const names: string[] = []
  let literalChars = 0
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const name = /^\{([^}]+)\}$/.exec(part)?.[1]
      if (name === undefined) {
        literalChars += part.length
        return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      }
      names.push(name)
      return '([^/]+)'
    })
    .join('')
  const host = new URL(item.servers?.[0]?.url ?? server).host
  return { template, pattern: new RegExp(`^${source}$`), names, literalChars, host, item }
}

export type FormValues = Record<string, string | string[]>
export interface TwilioRequest {
  method: string
  uri: string
  data?: object
  params?: object
  headers?: Record<string, string>
}
interface Decoded {
  /** The form body as Twilio parses it; array-typed parameters are always arrays. */
  data: FormValues
  query: FormValues
}
interface Match {
  operationId: string
  pathTemplate: string
  pathParams: Record<string, string>
}
export type TwilioRequestCheck =
  ({ ok: true } & Match & Decoded) | ({ ok: false; problems: string[] } & Partial<Match> & Decoded)

export function checkTwilioRequest(request: TwilioRequest): TwilioRequestCheck {
  const problems: string[] = []
  const body = wireValues(request.data)
  let url: URL
  try {
    url = new URL(request.uri)
  } catch {
    problems.push(`uri ${JSON.stringify(request.uri)} is not an absolute URL`)
    return { ok: false, problems, data: decode(body), query: {} }
  }
  const query = wireValues(request.params, [...url.searchParams])
  const found = findOperation(request.method, url, problems)
  if (!found?.operation) {
    return { ok: false, problems, ...found?.match, data: decode(body), query: decode(query) }
  }
  const { match, operation, parameters } = found
  const { operationId } = match
  for (const p of parameters.filter((p) => p.in === 'path')) {
    const value = match.pathParams[p.name] ?? ''
    checkValue(`path parameter "${p.name}"`, value, resolve(p.schema), undefined, problems)
  }
  const queryFields = new Map(
    parameters
      .filter((p) => p.in === 'query')
      .map((p) => {
        const examples = Object.values(p.examples ?? {}).map((e) => e.value)
        return [p.name, makeField(resolve(p.schema), p.required, p.description, examples)]
      }),
  )
  checkFields('query', operationId, queryFields, query, problems)
  const content = operation.requestBody?.content
  const form = content?.[FORM]
  const schema = resolve(form?.schema)
  const examples = Object.values(form?.examples ?? {}).map((e) => e.value as FormExample)
  const bodyFields = new Map(
    Object.entries(schema.properties ?? {}).map(([name, property]) => {
      const resolved = resolve(property)
      const values = examples.map((e) => e?.[name])
      const required = schema.required?.includes(name)
      return [name, makeField(resolved, required, property.description, values)]
    }),
  )
  if (content && !form) problems.push(`${operationId} takes no ${FORM} body`)
  if (!content && body.size > 0) {
    problems.push(`${operationId} takes no body, but got ${[...body.keys()].join(', ')}`)
  } else {
    checkFields('body', operationId, bodyFields, body, problems)
  }
  const contentType = Object.entries(request.headers ?? {}).find(
    ([k]) => k.toLowerCase() === 'content-type',
  )?.[1]
  if (body.size > 0 && request.headers && contentType !== FORM) {
    problems.push(
      `Content-Type is ${JSON.stringify(contentType)}: the client sends data only as ${FORM}`,
    )
  }
  const decoded = { data: decode(body, bodyFields), query: decode(query, queryFields) }
  return problems.length > 0
    ? { ok: false, problems, ...match, ...decoded }
    : { ok: true, ...match, ...decoded }
}

/** The first success example the spec gives for an operation, as the fake's default answer. */
export function successExample(
  operationId: string,
): { statusCode: number; body: unknown } | undefined {
  const responses = loadTwilioSpec().operations.get(operationId)?.responses ?? {}
  const status = Object.keys(responses)
    .filter((s) => /^2\d\d$/.test(s))
    .sort()[0]
  if (status === undefined) return undefined
  const examples = responses[status]?.content?.['application/json']?.examples ?? {}
  const example = Object.values(examples)[0]?.value
  return { statusCode: Number(status), body: example === undefined ? '' : structuredClone(example) }
}

type FormExample = Record<string, unknown> | undefined

function findOperation(method: string, url: URL, problems: string[]) {
  const { routes } = loadTwilioSpec()
  const matches = routes
    .map((route) => ({ route, values: route.pattern.exec(url.pathname)?.slice(1) }))
    .filter((r) => r.values !== undefined)
    .sort((a, b) => b.route.literalChars - a.route.literalChars)
  const best = matches[0]
  if (!best) {
    problems.push(unknownPathProblem(routes, method, url.pathname))
    return undefined
  }
  const { template, item, host, names } = best.route
  const pathParams = Object.fromEntries(
    names.map((name, i) => [name, decodePathPart(best.values?.[i] ?? '')]),
  )
  if (url.protocol !== 'https:' || !hostPattern(host).test(url.hostname)) {
    problems.push(`${url.protocol}//${url.host} is not Twilio's server https://${host}`)
  }
  const lower = method.toLowerCase() as Method
  const operation = METHODS.includes(lower) ? item[lower] : undefined
  const operationId = operation?.operationId ?? `${method.toUpperCase()} ${template}`
  const match = { operationId, pathTemplate: template, pathParams }
  if (!operation) {
    const allowed = METHODS.filter((m) => item[m]).map((m) => m.toUpperCase())
    problems.push(
      `${method.toUpperCase()} is not an operation on ${template}; allowed: ${allowed.join(', ')}`,
    )
    return { match: { pathTemplate: template, pathParams } }
  }
  const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])]
  return { match, operation, parameters }
}

interface Field {
  schema: SchemaObject
  required: boolean
  /** An enum Twilio gives only in prose; compared case-insensitively. */
  prose: string[] | undefined
}

/**
 * Some of Twilio's enums exist only in prose: CreateCall's StatusCallbackEvent items are plain
 * strings, "Can be: `initiated`, `ringing`, `answered`, and `completed`." Such a list is read
 * only when the sentence is nothing but backticked values (so "Can be: `true` (the default) to
 * include…" yields none), and is widened by the values Twilio's own examples send, since the
 * prose is sometimes short of them (CreateCallRecording's examples send `failed`).
 */
function makeField(
  schema: SchemaObject,
  required: boolean | undefined,
  description: string | undefined,
  examples: unknown[],
): Field {
  const values = schema.type === 'array' ? resolve(schema.items) : schema
  const text = description ?? schema.description ?? ''
  const list =
    values.enum || values.type !== 'string' || values.format ? undefined : PROSE.exec(text)?.[1]
  const listed = list?.match(/`[^`]+`/g)?.map((v) => v.slice(1, -1).toLowerCase())
  const shown = examples
    .flat()
    .filter((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
    .flatMap((v) => {
      const text = String(v).toLowerCase()
      return schema.type === 'array' ? text.split(/\s+/) : [text]
    })
  const prose = listed && [...new Set([...listed, ...shown.filter(Boolean)])]
  return { schema, required: required === true, prose }
}

const PROSE =
  /[Cc]an be:?\s*((?:`[^`]+`(?:,\s*(?:(?:or|and)\s+)?|\s+(?:or|and)\s+))+`[^`]+`)(?:\s*(?:\.(?:\s|$)|$)|,?\s+(?:and\s+)?(?:the\s+)?default)/

function checkFields(
  where: 'body' | 'query',
  operationId: string,
  fields: Map<string, Field>,
  sent: Map<string, string[]>,
  problems: string[],
): void {
  const known = [...fields.keys()]
  for (const [name, values] of sent) {
    const field = fields.get(name)
    if (field) {
      checkField(`${where} parameter "${name}"`, values, field, problems)
      continue
    }
    const near = known.find((k) => k.toLowerCase() === name.toLowerCase() || distance(k, name) <= 2)
    problems.push(
      `${where} parameter "${name}" is not in ${operationId}` +
        (near ? `; did you mean "${near}"?` : '') +
        ` (${where} parameters: ${known.join(', ') || 'none'})`,
    )
  }
  const required = known.filter((name) => fields.get(name)?.required)
  for (const name of required.filter((name) => !sent.has(name))) {
    problems.push(
      `required ${where} parameter "${name}" is missing (${operationId} requires ${required.join(', ')})`,
    )
  }
}

function checkField(label: string, values: string[], field: Field, problems: string[]): void {
  const { schema, prose } = field
  if (schema.type !== 'array' && values.length > 1) {
    problems.push(`${label} was sent ${values.length} times, but takes one value`)
  }
  for (const value of values) {
    if (value === '' && !field.required) continue // Twilio's own examples send "" to mean unset
    if (schema.type !== 'array') {
      checkValue(label, value, schema, prose, problems)
      continue
    }
    // Prose-listed events may come space-separated: "Separate multiple values with a space."
    const tokens = prose ? value.split(/\s+/).filter(Boolean) : [value]
    for (const token of tokens) checkValue(label, token, resolve(schema.items), prose, problems)
  }
}

function checkValue(
  label: string,
  value: string,
  schema: SchemaObject,
  prose: string[] | undefined,
  problems: string[],
): void {
  const shown = JSON.stringify(value)
  const allowed = schema.enum?.map(String)
  if (allowed && !allowed.includes(value)) {
    problems.push(`${label}: ${shown} is not allowed; allowed: ${allowed.join(', ')}`)
  } else if (prose && !prose.includes(value.toLowerCase())) {
    problems.push(
      `${label}: ${shown} is not allowed; allowed (per the spec's prose): ${prose.join(', ')}`,
    )
  }
  if (schema.type === 'integer' && !/^-?\d+$/.test(value)) {
    problems.push(`${label}: ${shown} is not an integer`)
  } else if (schema.type === 'number' && !/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value)) {
    problems.push(`${label}: ${shown} is not a number`)
  } else if (schema.type === 'boolean' && value !== 'true' && value !== 'false') {
    problems.push(`${label}: ${shown} is not a boolean; allowed: true, false`)
  }
  if (schema.format === 'uri' && !schema['x-twilio']?.ignoreFormat && !isHttpUrl(value)) {
    problems.push(`${label}: ${shown} is not an absolute http(s) or ws(s) URL (format: uri)`)
  }
  if (schema.pattern && !new RegExp(schema.pattern).test(value)) {
    problems.push(`${label}: ${shown} does not match ${schema.pattern}`)
  }
  if (value.length < (schema.minLength ?? 0) || value.length > (schema.maxLength ?? Infinity)) {
    const range = `${schema.minLength ?? 0}..${schema.maxLength ?? ''}`
    problems.push(`${label}: ${shown} has ${value.length} characters; allowed: ${range}`)
  }
}

function resolve(schema: SchemaObject | undefined, depth = 0): SchemaObject {
  if (!schema?.$ref) return schema ?? {}
  const pointer = schema.$ref.replace(/^#\//, '').split('/')
  let target: unknown = loadTwilioSpec().document
  for (const key of pointer) {
    const part = key.replaceAll('~1', '/').replaceAll('~0', '~')
    target =
      typeof target === 'object' && target ? (target as Record<string, unknown>)[part] : undefined
  }
  if (target === undefined || depth > 10)
    throw new Error(`cannot resolve ${schema.$ref} in Twilio's API description`)
  return resolve(target as SchemaObject, depth + 1)
}

function wireValues(
  value: object | undefined,
  extra: [string, string][] = [],
): Map<string, string[]> {
  const pairs = value
    ? [...new URLSearchParams(qs.stringify(value, { arrayFormat: 'repeat' }))]
    : []
  const grouped = new Map<string, string[]>()
  for (const [k, v] of [...pairs, ...extra]) grouped.set(k, [...(grouped.get(k) ?? []), v])
  return grouped
}

function decode(sent: Map<string, string[]>, fields?: Map<string, Field>): FormValues {
  const entries = [...sent].map(([k, vs]) => {
    const isArray = fields?.get(k)?.schema.type === 'array' || vs.length > 1
    return [k, isArray ? vs : (vs[0] ?? '')] as const
  })
  return Object.fromEntries(entries)
}

function unknownPathProblem(routes: Route[], method: string, pathname: string): string {
  const segments = pathname.split('/')
  const score = (r: Route) => r.template.split('/').filter((s, i) => s === segments[i]).length
  const near = routes
    .filter((r) => r.template.split('/').length === segments.length)
    .sort((a, b) => score(b) - score(a))
    .slice(0, 3)
    .map((r) => r.template)
  return (
    `no path in Twilio's API description matches ${method.toUpperCase()} ${pathname}` +
    (near.length > 0 ? `; nearest: ${near.join(', ')}` : '')
  )
}

/** `api.twilio.com`, and its edge/region forms (`api.sydney.au1.twilio.com`) the client may pick. */
function hostPattern(host: string): RegExp {
  const [first, ...rest] = host.split('.')
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return new RegExp(`^${esc(first ?? '')}(?:\\.[a-z0-9-]+){0,2}\\.${esc(rest.join('.'))}$`)
}

function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    return part
  }
}

/** Media Streams take `wss://` under the same `format: uri`, so web-socket URLs pass too. */
function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return ['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol) && url.hostname !== ''
  } catch {
    return false
  }
}

function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + cost)
    }
    row = next
  }
  return row[b.length] ?? 0
}
