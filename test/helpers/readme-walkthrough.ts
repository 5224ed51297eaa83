import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'

import { until } from './service.ts'

/**
 * The README's opening walkthrough as steps, and the two terminals a reader types them into:
 * `npm run simulate` (lines such as `agent> press 1`) and a shell (the ```sh blocks with curl).
 */

export type WalkStep =
  | { kind: 'setup'; text: string }
  | { kind: 'terminal'; role: 'caller' | 'agent'; command: string; text: string }
  | { kind: 'shell'; script: string; text: string }

/** Every code block from the top of the README to "## The web console", in order. */
export function readmeWalkthrough(path: string): WalkStep[] {
  const readme = readFileSync(path, 'utf8')
  const end = readme.indexOf('## The web console')
  if (end < 0) throw new Error('README has no "## The web console" heading to end the walkthrough')
  const steps: WalkStep[] = []
  for (const [, lang, body = ''] of readme.slice(0, end).matchAll(/```(\w*)\n([\s\S]*?)```/g)) {
    if (lang === 'sh') {
      // Setting up and starting (npm …) is what the test does itself, the way `npm run demo` does.
      const kind = /^npm /m.test(body) ? 'setup' : 'shell'
      steps.push(kind === 'setup' ? { kind, text: body } : { kind, script: body, text: body })
      continue
    }
    for (const line of body.split('\n').filter((l) => l.trim())) {
      const m = /^(caller|agent)> (.*?)\s*(#.*)?$/.exec(line)
      if (!m?.[1] || !m[2]) throw new Error(`README walkthrough line not understood: ${line}`)
      steps.push({ kind: 'terminal', role: m[1] as 'caller' | 'agent', command: m[2], text: line })
    }
  }
  return steps
}

/** A process whose output is kept whole, and waited on by pattern. */
interface Driven {
  child: ChildProcessWithoutNullStreams
  output: () => string
}

function drive(cmd: string, args: string[]): Driven {
  const child = spawn(cmd, args, { stdio: 'pipe', env: { ...process.env, NO_COLOR: '1' } })
  let out = ''
  child.stdout.on('data', (b: Buffer) => (out += b.toString()))
  child.stderr.on('data', (b: Buffer) => (out += b.toString()))
  return { child, output: () => out }
}

/** `npm run simulate`, typed into line by line (piped, so it echoes each line at its prompt). */
export function startTerminal(cliPath: string, serviceUrl: string) {
  const t = drive(process.execPath, [cliPath, '--url', serviceUrl])
  let seen = 0
  return {
    output: t.output,
    /** Waits for a line matching `pattern` printed after the last `type`. */
    waitFor: (what: string, pattern: RegExp, ms = 20_000) =>
      until(what, () => t.output().slice(seen).match(pattern) ?? undefined, ms),
    /** Types a line; returns the role the prompt showed (caller or agent). */
    async type(command: string): Promise<string> {
      seen = t.output().length
      t.child.stdin.write(`${command}\n`)
      const escaped = command.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      const echo = new RegExp(`^(caller|agent)(?: CA…[0-9a-f]{4})?> ${escaped}$`, 'm')
      const m = await until(
        `the terminal to take "${command}"`,
        () => echo.exec(t.output().slice(seen)) ?? undefined,
      )
      return m[1] ?? ''
    },
    stop: () => {
      if (t.child.exitCode !== null) return Promise.resolve()
      t.child.stdin.end('quit\n')
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => t.child.kill(), 5000)
        t.child.once('exit', () => (clearTimeout(timer), resolve()))
      })
    },
  }
}

/** A `sh` that keeps its variables from block to block, as the reader's third terminal does. */
export function startShell() {
  const sh = drive('sh', [])
  let n = 0
  return {
    /** Runs a block; answers what it printed and the last command's exit status. */
    async run(script: string): Promise<{ out: string; status: number }> {
      const from = sh.output().length
      const mark = `__walkthrough_step_${++n}__`
      sh.child.stdin.write(`${script}\necho "${mark} $?"\n`)
      const done = new RegExp(`([\\s\\S]*)${mark} (\\d+)\\n`)
      const m = await until(
        `shell block ${n}`,
        () => done.exec(sh.output().slice(from)) ?? undefined,
      )
      return { out: m[1] ?? '', status: Number(m[2]) }
    },
    /** A shell variable's value, as `echo "$NAME"` would print it. */
    async value(name: string): Promise<string> {
      return (await this.run(`printf '%s\\n' "$${name}"`)).out.trim()
    },
    stop: () => void sh.child.stdin.end('exit\n'),
  }
}
