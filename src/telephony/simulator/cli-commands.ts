import type { ControlClient } from './cli-client.ts'
import { shortSid } from './cli-view.ts'
import type { SimulatorDirectory } from './simulator.routes.ts'

/** The terminal's commands. Each acts on the current call of a role: the caller or an agent. */

export type Role = 'caller' | 'agent'

export const DEMO_CALLER = '+8613800138000'

export interface CliSession {
  client: ControlClient
  directory: SimulatorDirectory
  /** callSid → "caller" / "agent 1001", for calls this terminal plays. */
  labels: Map<string, string>
  current: Record<Role, string | undefined>
  /** Device address → its label, for agents registered here. */
  devices: Map<string, string>
  /** Those of `devices` that answer by themselves: their calls never become the current call. */
  autoDevices: Set<string>
  callerNumbers: Set<string>
  focus: Role
  verbose: boolean
  print(line: string): void
  quit(): Promise<void>
}

export interface Command {
  usage: string
  help: string
  run(args: string[]): Promise<void> | void
}

type Action = 'digits' | 'speak' | 'hangup' | 'answer' | 'reject'

const ENDED = ['completed', 'busy', 'failed', 'no-answer', 'canceled']

export function createCommands(s: CliSession): Record<string, Command> {
  const act = (role: Role, action: Action, body?: object) => {
    s.focus = role
    return s.client.callAction(callOf(s, role), action, body)
  }
  const registerAgent = async (job: string | undefined, auto: boolean) => {
    const agent = findAgent(s, job)
    await s.client.registerDevice(agent.address, auto ? { afterMs: 1000, digits: '1' } : undefined)
    s.devices.set(agent.address, `agent ${agent.jobNumber}`)
    markAuto(s, agent.address, auto)
    const how = auto ? 'will answer by itself and press 1' : `is ready at ${agent.address}`
    s.print(`Agent ${agent.jobNumber} (${agent.name}) ${how}`)
  }

  const registerDepartment = async (code: string | undefined, auto: boolean) => {
    const dept = (s.directory.departments ?? []).find((d) => d.code === code)
    if (!dept) throw new Error(`No department "${code ?? ''}"; see: directory`)
    const people = dept.people.filter((p) => p.onDuty)
    if (people.length === 0) throw new Error(`Nobody is on duty in ${dept.code}`)
    for (const p of people) {
      await s.client.registerDevice(p.address, auto ? { afterMs: 1000, digits: '1' } : undefined)
      s.devices.set(p.address, `${dept.code} ${p.name}`)
      markAuto(s, p.address, auto)
    }
    const how = auto ? 'will answer by themselves and press 1 (accept)' : 'ring here'
    s.print(`${dept.name}: ${people.map((p) => p.name).join(', ')} ${how}`)
  }

  const commands: Record<string, Command> = {
    help: {
      usage: 'help',
      help: 'this list',
      run: () => {
        for (const c of Object.values(commands)) s.print(`  ${c.usage.padEnd(30)} ${c.help}`)
      },
    },
    directory: {
      usage: 'directory',
      help: 'hotlines you can call and agents you can play',
      async run() {
        s.directory = await s.client.directory()
        s.print('Hotlines:')
        s.directory.hotlines.forEach((h, i) => {
          s.print(`  ${i + 1}. ${h.number}  ${h.name} (${h.language})`)
        })
        s.print('Agents:')
        for (const a of s.directory.agents) {
          s.print(`  ${a.jobNumber}  ${a.name}  ${a.address || '(no phone)'}`)
        }
        s.print('Departments (transfer targets):')
        for (const d of s.directory.departments ?? []) {
          const duty = d.people.filter((p) => p.onDuty).map((p) => p.name)
          s.print(`  ${d.code.padEnd(20)} ${d.name}  on duty: ${duty.join(', ') || 'nobody'}`)
        }
      },
    },
    call: {
      usage: 'call [from] [hotline]',
      help: `call a hotline (number, list index or name); from defaults to ${DEMO_CALLER}`,
      async run([a, b]) {
        const onlyHotline = a !== undefined && b === undefined && !isCallerNumber(s, a)
        const from = onlyHotline ? DEMO_CALLER : (a ?? DEMO_CALLER)
        const hotline = findHotline(s, onlyHotline ? a : b)
        if (!s.callerNumbers.has(from)) {
          // The caller's phone: return calls (回访) to this number ring here too.
          await s.client.registerDevice(from)
          s.devices.set(from, 'caller')
        }
        s.callerNumbers.add(from)
        s.print(`Calling ${hotline.name} (${hotline.number}) from ${from}…`)
        const { callSid } = await s.client.placeCall({ from, to: hotline.number })
        s.labels.set(callSid, 'caller')
        s.current.caller = callSid
        s.focus = 'caller'
      },
    },
    press: {
      usage: 'press <keys>',
      help: 'press keys on the current call (press 1, press 42#)',
      run: ([keys]) => act(s.focus, 'digits', { digits: keys ?? '' }),
    },
    say: {
      usage: 'say <words>',
      help: 'speak on the current call (a running recording keeps it)',
      run: (words) => act(s.focus, 'speak', { text: words.join(' ') }),
    },
    hangup: {
      usage: 'hangup',
      help: 'hang up the current call',
      run: () => act(s.focus, 'hangup'),
    },
    answer: {
      usage: 'answer',
      help: 'answer the ringing call (an agent leg, or a return call to the caller)',
      run: () => act(s.focus, 'answer'),
    },
    reject: {
      usage: 'reject',
      help: "decline the agent's ringing call",
      run: () => act('agent', 'reject'),
    },
    agent: {
      usage: 'agent <jobNumber>',
      help: 'be this agent: their phone rings here',
      run: ([job]) => registerAgent(job, false),
    },
    auto: {
      usage: 'auto <jobNumber>',
      help: 'an agent that answers by itself after 1 s and presses 1',
      run: ([job]) => registerAgent(job, true),
    },
    dept: {
      usage: 'dept <code>',
      help: "be a department's on-duty people: transfers to it ring here (use agent to act)",
      run: ([code]) => registerDepartment(code, false),
    },
    autodept: {
      usage: 'autodept <code>',
      help: 'a department whose on-duty people answer by themselves and accept',
      run: ([code]) => registerDepartment(code, true),
    },
    use: {
      usage: 'use <caller|agent|sid-suffix>',
      help: 'switch the current call',
      run: ([which]) => {
        if (which === 'caller' || which === 'agent') s.focus = which
        else {
          const sid = [...s.labels.keys()].find((sid) => which && sid.endsWith(which))
          if (!sid) throw new Error(`No known call ends with "${which ?? ''}"`)
          s.focus = s.labels.get(sid) === 'caller' ? 'caller' : 'agent'
          s.current[s.focus] = sid
        }
        s.print(`Now acting as ${s.focus}`)
      },
    },
    state: {
      usage: 'state',
      help: 'calls, conferences and texts the simulator knows',
      run: () => printState(s),
    },
    verbose: {
      usage: 'verbose',
      help: 'show or hide webhooks and status changes',
      run: () => {
        s.verbose = !s.verbose
        s.print(`Verbose output ${s.verbose ? 'on' : 'off'}`)
      },
    },
    wait: {
      usage: 'wait <seconds>',
      help: 'pause (useful in --script)',
      run: ([sec]) => new Promise((resolve) => setTimeout(resolve, Number(sec ?? 1) * 1000)),
    },
    quit: { usage: 'quit', help: 'leave (agents stop ringing here)', run: () => s.quit() },
  }
  return commands
}

function markAuto(s: CliSession, address: string, auto: boolean): void {
  if (auto) s.autoDevices.add(address)
  else s.autoDevices.delete(address)
}

function callOf(s: CliSession, role: Role): string {
  const sid = s.current[role]
  if (sid) return sid
  throw new Error(
    role === 'caller'
      ? 'No caller call in progress. Start one with: call'
      : 'No agent call. Register a device with: agent <jobNumber>, then wait for it to ring',
  )
}

function isCallerNumber(s: CliSession, arg: string): boolean {
  return /^\+\d+$/.test(arg) && !s.directory.hotlines.some((h) => h.number === arg)
}

function findHotline(s: CliSession, arg: string | undefined) {
  const { hotlines } = s.directory
  const [first] = hotlines
  if (!first) throw new Error('The directory has no hotlines; seed some with `npm run db:seed`')
  if (arg === undefined) return first
  const byIndex = /^\d{1,2}$/.test(arg) ? hotlines[Number(arg) - 1] : undefined
  const found =
    byIndex ??
    hotlines.find((h) => h.number === arg) ??
    hotlines.find((h) => h.name.toLowerCase().includes(arg.toLowerCase()))
  if (!found) throw new Error(`No hotline matches "${arg}"; see: directory`)
  return found
}

function findAgent(s: CliSession, jobNumber: string | undefined) {
  if (!jobNumber) throw new Error('Which agent? Give a job number; see: directory')
  const agent = s.directory.agents.find((a) => a.jobNumber === jobNumber)
  if (!agent) throw new Error(`No agent with job number ${jobNumber}; see: directory`)
  if (!agent.address) throw new Error(`Agent ${jobNumber} has no phone number or client identity`)
  return agent
}

async function printState(s: CliSession): Promise<void> {
  const state = await s.client.state()
  const live = state.calls.filter((c) => !ENDED.includes(c.status))
  s.print(`Calls in progress: ${live.length || 'none'}`)
  for (const c of live) {
    const where = c.conference ? ` in ${c.conference}` : ''
    const label = s.labels.get(c.sid) ?? c.direction
    s.print(`  ${shortSid(c.sid)} ${label}: ${c.from} → ${c.to} ${c.status}${where}`)
  }
  for (const conf of state.conferences.filter((c) => c.status !== 'completed')) {
    const who = conf.participants.map((p) => shortSid(p.callSid) + (p.hold ? ' (on hold)' : ''))
    s.print(`Conference ${conf.name} (${conf.status}): ${who.join(', ')}`)
  }
  s.print(`Texts sent: ${state.sms.length}`)
}
