import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'

import { createControlClient } from './cli-client.ts'
import { type CliSession, createCommands } from './cli-commands.ts'
import { formatEvent, shortSid } from './cli-view.ts'
import type { SimEvent } from './types.ts'

/**
 * `npm run simulate`: a pretend phone in the terminal. It talks to the running service's
 * /simulator control API and prints what callers and agents hear. Commands act on the current
 * call of the current role (caller or agent); `use` switches. Devices that answer by themselves
 * (auto, autodept) never take the current call: `hangup` stays with the one you play.
 */

const USAGE =
  'Usage: npm run simulate -- [--url http://localhost:3000] [--script "call; wait 2; press 1"]'

const { values: flags } = parseArgs({
  options: {
    url: { type: 'string' },
    script: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
})
if (flags.help) {
  process.stdout.write(`${USAGE}\n`)
  process.exit(0)
}
const serviceUrl = flags.url ?? process.env.SHOUWEN_URL ?? 'http://localhost:3000'
const interactive = !flags.script && Boolean(process.stdin.isTTY)
// Without a terminal (piped input) lines are read as commands, with no prompt.
const rl = flags.script
  ? undefined
  : createInterface({ input: process.stdin, output: process.stdout, terminal: interactive })
// Made now, not when the loop starts: lines piped in meanwhile would otherwise be lost.
const lines = rl?.[Symbol.asyncIterator]()
const follow = new AbortController()

const session: CliSession = {
  client: createControlClient(serviceUrl),
  directory: { hotlines: [], agents: [] },
  labels: new Map(),
  current: { caller: undefined, agent: undefined },
  devices: new Map(),
  autoDevices: new Set(),
  callerNumbers: new Set(),
  focus: 'caller',
  verbose: false,
  print(line) {
    if (interactive) process.stdout.write('\r\x1b[2K')
    process.stdout.write(`${line}\n`)
    if (interactive && rl) {
      rl.setPrompt(promptText())
      rl.prompt(true)
    }
  },
  async quit() {
    follow.abort()
    const addresses = [...session.devices.keys()]
    await Promise.allSettled(addresses.map((a) => session.client.unregisterDevice(a)))
    rl?.close()
    process.exit(0)
  },
}
const commands = createCommands(session)

function promptText(): string {
  const sid = session.current[session.focus]
  return `${session.focus}${sid ? ` ${shortSid(sid)}` : ''}> `
}

function onEvent(e: SimEvent): void {
  const { labels, current, devices } = session
  if (e.type === 'ringing' && e.direction === 'inbound' && session.callerNumbers.has(e.from)) {
    labels.set(e.callSid, 'caller')
    current.caller = e.callSid
  }
  if (e.type === 'ringing' && devices.has(e.to)) labels.set(e.callSid, devices.get(e.to) ?? e.to)
  if (e.type === 'incoming') {
    labels.set(e.callSid, devices.get(e.address) ?? e.address)
    const role = session.callerNumbers.has(e.address) ? 'caller' : 'agent'
    if (!session.autoDevices.has(e.address)) {
      current[role] = e.callSid
      session.focus = role
    }
  }
  const line = formatEvent(e, {
    labelOf: (sid) => labels.get(sid),
    verbose: session.verbose,
    answersItself: (address) => session.autoDevices.has(address),
  })
  if (line && !isLoopRepeat(e, line)) session.print(line)
  if (e.type === 'conference-join' && labels.get(e.callSid)?.startsWith('agent ')) {
    void announceCase(e.callSid)
  }
  if (e.type === 'ended') {
    if (current.caller === e.callSid) current.caller = undefined
    if (current.agent === e.callSid) current.agent = undefined
    // The focus follows the call still going: after the agent leaves, you are the caller again.
    const other = session.focus === 'caller' ? 'agent' : 'caller'
    if (!current[session.focus] && current[other]) session.focus = other
  }
}

/** Each case once: the agent API (and the README's curl lines) need its reference. */
const announced = new Set<string>()

async function announceCase(callSid: string): Promise<void> {
  try {
    const found = await session.client.caseOfCall(callSid)
    if (!found || announced.has(found.reference)) return
    announced.add(found.reference)
    const owner = found.firstOwnerJobNumber ? `agent ${found.firstOwnerJobNumber}` : 'nobody yet'
    session.print(
      `📋 case ${found.reference}, first owner ${owner}. For curl: REF=${found.reference}`,
    )
  } catch (e) {
    session.print(`… could not look up the case (${e instanceof Error ? e.message : String(e)})`)
  }
}

/** Wait and hold music loop; inside a conference each sound is shown once, not every round. */
const heardInConference = new Map<string, Set<string>>()

function isLoopRepeat(e: SimEvent, line: string): boolean {
  if (e.type === 'sms') return false
  if (e.type === 'conference-join' || e.type === 'conference-hold') {
    heardInConference.set(e.callSid, new Set())
  } else if (e.type === 'conference-leave' || e.type === 'ended') {
    heardInConference.delete(e.callSid)
  }
  const heard = heardInConference.get(e.callSid)
  if (!heard || (e.type !== 'say' && e.type !== 'play')) return false
  if (heard.has(line)) return true
  heard.add(line)
  return false
}

async function runLine(line: string): Promise<void> {
  const [name, ...args] = line.trim().split(/\s+/)
  if (!name) return
  const command = commands[name === 'exit' ? 'quit' : name.toLowerCase()]
  if (!command) return session.print(`Unknown command "${name}"; type help`)
  try {
    await command.run(args)
  } catch (e) {
    session.print(`✗ ${e instanceof Error ? e.message : String(e)}`)
  }
}

try {
  session.directory = await session.client.directory()
} catch (e) {
  process.stderr.write(`✗ ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(1)
}
void session.client.follow(onEvent, (msg) => session.print(`… ${msg}`), follow.signal)
session.print(`Shouwen simulator, connected to ${serviceUrl}. Type help for commands.`)
await commands.directory?.run([])

if (flags.script) {
  for (const line of flags.script.split(';')) {
    session.print(`${promptText()}${line.trim()}`)
    await runLine(line)
  }
  // Let the last events arrive before leaving.
  await new Promise((resolve) => setTimeout(resolve, 500))
  await session.quit()
} else if (rl && lines) {
  rl.on('SIGINT', () => void session.quit())
  rl.setPrompt(promptText())
  if (interactive) rl.prompt()
  for await (const line of { [Symbol.asyncIterator]: () => lines }) {
    // Piped in, the command is shown after the prompt it was typed at, as in a terminal.
    if (!interactive && line.trim()) session.print(`${promptText()}${line.trim()}`)
    await runLine(line)
    if (interactive) {
      rl.setPrompt(promptText())
      rl.prompt()
    }
  }
  await session.quit()
}
