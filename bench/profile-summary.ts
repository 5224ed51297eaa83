// Summarises a V8 .cpuprofile (node --cpu-prof, or bench:webhook's BENCH_PROFILE): self time by
// function and by package, the figures that say where a request's CPU goes. Pure pieces are
// exported for test/unit/profile-summary.test.ts; run as a script it prints the tables:
//   npm run bench:profile -- /tmp/webhook.cpuprofile [top]

export interface CpuProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
  children?: number[]
}

export interface CpuProfile {
  nodes: CpuProfileNode[]
  startTime: number
  endTime: number
  samples?: number[]
  timeDeltas?: number[]
}

export interface SelfTime {
  key: string
  ms: number
  share: number
}

/**
 * Self time per key: each sample's delta goes to the node it hit (the function on top of the
 * stack). With no deltas, hit counts share the profile's duration equally.
 */
export function selfTimes(profile: CpuProfile, keyOf: (n: CpuProfileNode) => string): SelfTime[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const perNode = new Map<number, number>()
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  if (samples.length > 0) {
    // timeDeltas[i] is the time since the previous sample: it belongs to sample i.
    samples.forEach((id, i) => perNode.set(id, (perNode.get(id) ?? 0) + (deltas[i] ?? 0)))
  } else {
    const hits = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0)
    const each = hits > 0 ? (profile.endTime - profile.startTime) / hits : 0
    for (const n of profile.nodes) if (n.hitCount) perNode.set(n.id, n.hitCount * each)
  }
  const totals = new Map<string, number>()
  let all = 0
  for (const [id, us] of perNode) {
    const node = byId.get(id)
    if (!node) continue
    const k = keyOf(node)
    totals.set(k, (totals.get(k) ?? 0) + us)
    all += us
  }
  return [...totals]
    .map(([key, us]) => ({ key, ms: us / 1000, share: all > 0 ? us / all : 0 }))
    .sort((a, b) => b.ms - a.ms)
}

/** `name file:line`, the file from node_modules/<package>/… or the repo's src/… on. */
export function functionKey(n: CpuProfileNode): string {
  const { functionName, url, lineNumber } = n.callFrame
  const name = functionName || '(anonymous)'
  if (!url) return name
  return `${name} ${shortUrl(url)}:${lineNumber + 1}`
}

/** The package a frame runs in (`express`, `pg`, `node:internal`, `src/voice`, or a V8 label). */
export function packageKey(n: CpuProfileNode): string {
  const { url, functionName } = n.callFrame
  if (!url) return functionName || '(anonymous)'
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/')
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? url)
  }
  if (url.startsWith('node:')) return url.startsWith('node:internal') ? 'node:internal' : url
  const src = url.indexOf('/src/')
  if (src >= 0)
    return url
      .slice(src + 1)
      .split('/')
      .slice(0, 2)
      .join('/')
  return shortUrl(url)
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length)
  const src = url.indexOf('/src/')
  if (src >= 0) return url.slice(src + 1)
  return url.replace(/^file:\/\//, '')
}

export function formatTable(title: string, rows: SelfTime[], top: number): string {
  const lines = [title]
  for (const r of rows.slice(0, top))
    lines.push(
      `${(r.share * 100).toFixed(1).padStart(5)} %  ${r.ms.toFixed(0).padStart(6)} ms  ${r.key}`,
    )
  return lines.join('\n')
}

if (import.meta.main) {
  const { readFileSync } = await import('node:fs')
  const file = process.argv[2]
  if (!file) {
    console.error('usage: npm run bench:profile -- <file.cpuprofile> [top]')
    process.exit(2)
  }
  const top = Number(process.argv[3] ?? 25)
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  console.log(formatTable('self time by package', selfTimes(profile, packageKey), top))
  console.log()
  console.log(formatTable('self time by function', selfTimes(profile, functionKey), top))
}
