import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'

import { type ControlClient, createControlClient, ServiceUnreachableError } from './cli-client.ts'
import { formatEvent, shortSid } from './cli-view.ts'
import type { SimulatorDirectory } from './simulator.routes.ts'
import type { SimEvent } from './types.ts'

/**
 * `npm run simulate`: a pretend phone in the terminal. It talks to the running service's
 * /simulator control API and prints what callers and agents hear. Commands act on the current
 * call of the current role (caller or agent); `use` switches.
 */

const USAGE =
  'Usage: npm run simulate -- [--url http://localhost:3000] [--script "call; wait 2; press 1"]'
const DEMO_CALLER = '+8613800138000'

type Role = 'caller' | 'agent'

interface Command {
  usage: string
  help: string
  run(args: string[]): Promise<void>
}

const { values: flags } = parseArgs({
  options: {
    url: { type: 'string' },
    script: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
})
if (flags.help) {
  console.log(USAGE)
  process.exit(0)
}
const serviceUrl = flags.url ?? process.env.SHOUWEN_URL ?? 'http://localhost:3000'
const client: ControlClient = createControlClient(serviceUrl)
const interactive = !flags.script && Boolean(process.stdin.isTTY)

const labels = new Map<string, string>()
const current: Record<Role, string | undefined> = { caller: undefined, agent: undefined }
const devices = new Map<string, string>()
const callerNumbers = new Set<string>()
let focus: Role = 'caller'
let verbose = false
let directory: SimulatorDirectory = { hotlines: [], agents: [] }

// Without a terminal (piped input) lines are read as commands, with no prompt.
const rl = flags.script
  ? undefined
  : createInterface({ input: process.stdin, output: process.stdout, terminal: interactive })

function print(line: string): void {
  if (interactive) process.stdout.write('\r\x1b[2K')
  console.log(line)
  if (interactive && rl) {
    rl.setPrompt(promptText())
    rl.prompt(true)
  }
}

function promptText(): string {
  const sid = current[focus]
  return `${focus}${sid ? ` ${shortSid(sid)}` : ''}> `
}

function onEvent(e: SimEvent): void {
  if (e.type === 'ringing' && e.direction === 'inbound' && callerNumbers.has(e.from)) {
    labels.set(e.callSid, 'caller')
    current.caller = e.callSid
  }
  if (e.type === 'ringing' && devices.has(e.to)) labels.set(e.callSid, devices.get(e.to) ?? e.to)
  if (e.type === 'incoming') {
    const label = devices.get(e.address) ?? e.address
    labels.set(e.callSid, label)
    current.agent = e.callSid
  }
  const line = formatEvent(e, { labelOf: (sid) => labels.get(sid), verbose })
  if (line && !isLoopRepeat(e, line)) print(line)
  if (e.type === 'ended') {
    for (const role of ['caller', 'agent'] as const) {
      if (current[role] === e.callSid) current[role] = undefined
    }
  }
}

/** Wait and hold music loops; inside a conference, each sound is shown once, not every round. */
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

function callOf(role: Role): string {
  const sid = current[role]
  if (sid) return sid
  throw new Error(
    role === 'caller'
      ? 'No caller call in progress. Start one with: call'
      : 'No agent call. Register a device with: agent <jobNumber>, then wait for it to ring',
  )
}

function findHotline(arg: string | undefined) {
  const { hotlines } = directory
  if (!hotlines.length) throw new Error('The directory has no hotlines; run `npm run db:seed`')
  if (arg === undefined) return hotlines[0] as (typeof hotlines)[number]
  const byIndex = /^\d{1,2}$/.test(arg) ? hotlines[Number(arg) - 1] : undefined
  const found =
    byIndex ??
    hotlines.find((h) => h.number === arg) ??
    hotlines.find((h) => h.name.toLowerCase().includes(arg.toLowerCase()))
  if (!found) throw new Error(`No hotline matches "${arg}"; see: directory`)
  return found
}

function findAgent(jobNumber: string | undefined) {
  if (!jobNumber) throw new Error('Which agent? Give a job number; see: directory')
  const agent = directory.agents.find((a) => a.jobNumber === jobNumber)
  if (!agent) throw new Error(`No agent with job number ${jobNumber}; see: directory`)
  if (!agent.address) throw new Error(`Agent ${jobNumber} has no phone number or client identity`)
  return agent
}

function act(
  role: Role,
  action: 'digits' | 'speak' | 'hangup' | 'answer' | 'reject',
  body?: object,
) {
  focus = role
  return client.callAction(callOf(role), action, body)
}

const commands: Record<string, Command> = {
  help: {
    usage: 'help',
    help: 'this list',
    run: () => {
      for (const c of Object.values(commands)) print(`  ${c.usage.padEnd(28)} ${c.help}`)
      return Promise.resolve()
    },
  },
  directory: {
    usage: 'directory',
    help: 'hotlines you can call and agents you can play',
    async run() {
      directory = await client.directory()
      print('Hotlines:')
      directory.hotlines.forEach((h, i) =>
        print(`  ${i + 1}. ${h.number}  ${h.name} (${h.language})`),
      )
      print('Agents:')
      for (const a of directory.agents)
        print(`  ${a.jobNumber}  ${a.name}  ${a.address || '(no phone)'}`)
    },
  },
  call: {
    usage: 'call [from] [hotline]',
    help: `call a hotline (number, list index or name) from a number (default ${DEMO_CALLER})`,
    async run(args) {
      const [a, b] = args
      const oneIsHotline = a !== undefined && b === undefined && !isCallerNumber(a)
      const from = oneIsHotline ? DEMO_CALLER : (a ?? DEMO_CALLER)
      const hotline = findHotline(oneIsHotline ? a : b)
      callerNumbers.add(from)
      print(`Calling ${hotline.name} (${hotline.number}) from ${from}…`)
      const { callSid } = await client.placeCall({ from, to: hotline.number })
      labels.set(callSid, 'caller')
      current.caller = callSid
      focus = 'caller'
    },
  },
  press: {
    usage: 'press <keys>',
    help: 'press keys on the current call (e.g. press 1, press 42#)',
    run: ([keys]) => act(focus, 'digits', { digits: keys ?? '' }),
  },
  say: {
    usage: 'say <words>',
    help: 'speak on the current call (kept while a recording runs)',
    run: (words) => act(focus, 'speak', { text: words.join(' ') }),
  },
  hangup: { usage: 'hangup', help: 'hang up the current call', run: () => act(focus, 'hangup') },
  answer: {
    usage: 'answer',
    help: "answer the agent's ringing call",
    run: () => act('agent', 'answer'),
  },
  reject: {
    usage: 'reject',
    help: "decline the agent's ringing call",
    run: () => act('agent', 'reject'),
  },
  agent: {
    usage: 'agent <jobNumber>',
    help: 'be this agent: their phone rings here',
    async run([job]) {
      const agent = findAgent(job)
      await client.registerDevice(agent.address)
      devices.set(agent.address, `agent ${agent.jobNumber}`)
      print(`Agent ${agent.jobNumber} (${agent.name}) is ready at ${agent.address}`)
    },
  },
  auto: {
    usage: 'auto <jobNumber>',
    help: 'this agent answers by itself after 1 s and presses 1',
    async run([job]) {
      const agent = findAgent(job)
      await client.registerDevice(agent.address, { afterMs: 1000, digits: '1' })
      devices.set(agent.address, `agent ${agent.jobNumber}`)
      print(`Agent ${agent.jobNumber} (${agent.name}) will answer automatically`)
    },
  },
  use: {
    usage: 'use <caller|agent|sid-suffix>',
    help: 'switch the current call',
    run([which]) {
      if (which === 'caller' || which === 'agent') focus = which
      else {
        const sid = [...labels.keys()].find((s) => which && s.endsWith(which))
        if (!sid) throw new Error(`No known call ends with "${which ?? ''}"`)
        focus = labels.get(sid) === 'caller' ? 'caller' : 'agent'
        current[focus] = sid
      }
      print(`Now acting as ${focus}`)
      return Promise.resolve()
    },
  },
  state: {
    usage: 'state',
    help: 'calls, conferences and texts the simulator knows',
    async run() {
      const s = await client.state()
      const live = s.calls.filter(
        (c) => !['completed', 'busy', 'failed', 'no-answer', 'canceled'].includes(c.status),
      )
      print(`Calls in progress: ${live.length || 'none'}`)
      for (const c of live) {
        const label = labels.get(c.sid) ?? c.direction
        print(
          `  ${shortSid(c.sid)} ${label}: ${c.from} → ${c.to} ${c.status}${c.conference ? ` in ${c.conference}` : ''}`,
        )
      }
      for (const conf of s.conferences.filter((c) => c.status !== 'completed')) {
        print(
          `Conference ${conf.name} (${conf.status}): ${conf.participants.map((p) => shortSid(p.callSid) + (p.hold ? ' (hold)' : '')).join(', ')}`,
        )
      }
      print(`Texts sent: ${s.sms.length}`)
    },
  },
  verbose: {
    usage: 'verbose',
    help: 'show or hide webhooks and status changes',
    run() {
      verbose = !verbose
      print(`Verbose output ${verbose ? 'on' : 'off'}`)
      return Promise.resolve()
    },
  },
  wait: {
    usage: 'wait <seconds>',
    help: 'pause (for --script)',
    run: ([s]) => new Promise((resolve) => setTimeout(resolve, Number(s ?? 1) * 1000)),
  },
  quit: { usage: 'quit', help: 'leave (agents stop ringing here)', run: () => quit() },
}

function isCallerNumber(arg: string): boolean {
  return /^\+\d+$/.test(arg) && !directory.hotlines.some((h) => h.number === arg)
}

async function runLine(line: string): Promise<void> {
  const [name, ...args] = line.trim().split(/\s+/)
  if (!name) return
  const command = commands[name === 'exit' ? 'quit' : name.toLowerCase()]
  if (!command) return print(`Unknown command "${name}"; type help`)
  try {
    await command.run(args)
  } catch (e) {
    if (e instanceof ServiceUnreachableError) print(`✗ ${e.message}`)
    else print(`✗ ${(e as Error).message}`)
  }
}

const follow = new AbortController()

async function quit(): Promise<void> {
  follow.abort()
  await Promise.allSettled([...devices.keys()].map((a) => client.unregisterDevice(a)))
  rl?.close()
  process.exit(0)
}

try {
  directory = await client.directory()
} catch (e) {
  console.error(`✗ ${(e as Error).message}`)
  process.exit(1)
}
void client.follow(onEvent, (msg) => print(`… ${msg}`), follow.signal)
print(`Shouwen simulator — connected to ${serviceUrl}. Type help for commands.`)
await commands.directory?.run([])

if (flags.script) {
  for (const line of flags.script.split(';')) {
    print(`> ${line.trim()}`)
    await runLine(line)
  }
  // Let the last events arrive before leaving.
  await new Promise((resolve) => setTimeout(resolve, 500))
  await quit()
} else if (rl) {
  rl.on('SIGINT', () => void quit())
  rl.setPrompt(promptText())
  if (interactive) rl.prompt()
  for await (const line of rl) {
    await runLine(line)
    if (interactive) {
      rl.setPrompt(promptText())
      rl.prompt()
    }
  }
  await quit()
}
