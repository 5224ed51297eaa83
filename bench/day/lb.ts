// The load balancer in front of the web instances: Debian's HAProxy when installed (the
// production layout, ops/haproxy/shouwen.cfg trimmed to plain HTTP on loopback), else a small
// round-robin proxy on node:http with the same health check and retry-on-refused.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import path from 'node:path'

export interface LoadBalancer {
  kind: 'haproxy' | 'node'
  pid(): number | undefined
  stop(): void
}

const HAPROXY = '/usr/sbin/haproxy'

export function haproxyConfig(port: number, backends: number[]): string {
  const servers = backends.map((p, i) => `    server web${i + 1} 127.0.0.1:${p}`).join('\n')
  return `global
    maxconn 8000

defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 4s
    timeout http-request 10s
    timeout queue 10s
    timeout check 5s

frontend hotline
    bind 127.0.0.1:${port}
    option forwardfor
    http-response set-header Keep-Alive timeout=4
    default_backend shouwen_web

backend shouwen_web
    balance leastconn
    option httpchk
    http-check send meth GET uri /readyz
    http-check expect status 200
    default-server check inter 2s fall 2 rise 2 maxconn 500
    retries 2
    option redispatch 1
    retry-on conn-failure empty-response 503
${servers}
`
}

export function startLoadBalancer(dir: string, port: number, backends: number[]): LoadBalancer {
  if (existsSync(HAPROXY)) {
    const cfg = path.join(dir, 'haproxy.cfg')
    writeFileSync(cfg, haproxyConfig(port, backends))
    // -db: in the foreground, so it is our child and dies with the bench.
    const child: ChildProcess = spawn(HAPROXY, ['-db', '-f', cfg], { stdio: 'ignore' })
    return { kind: 'haproxy', pid: () => child.pid, stop: () => child.kill('SIGKILL') }
  }
  const server = nodeBalancer(backends)
  server.listen(port, '127.0.0.1')
  return { kind: 'node', pid: () => process.pid, stop: () => server.close() }
}

/** Round-robin over the healthy backends (GET /readyz every 2 s); a refused connection is retried on the next. */
export function nodeBalancer(backends: number[]): http.Server {
  const healthy = new Set(backends)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 500 })
  const check = setInterval(() => {
    for (const p of backends) {
      http
        .get({ host: '127.0.0.1', port: p, path: '/readyz', timeout: 1500 }, (res) => {
          res.resume()
          if (res.statusCode === 200) healthy.add(p)
          else healthy.delete(p)
        })
        .on('error', () => healthy.delete(p))
    }
  }, 2000)
  let next = 0
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const pool = backends.filter((p) => healthy.has(p))
      const order = pool.length ? pool : backends
      // Each retry goes to the next backend after the first choice (a killed instance's refused
      // or reset connection is tried on another, as HAProxy's redispatch does).
      const first = next++
      const send = (tries: number) => {
        const p = order[(first + tries) % order.length] as number
        const up = http.request(
          {
            host: '127.0.0.1',
            port: p,
            path: req.url,
            method: req.method,
            headers: req.headers,
            agent,
          },
          (r) => {
            res.writeHead(r.statusCode ?? 502, r.headers)
            r.pipe(res)
          },
        )
        up.on('error', () => {
          if (tries < 2) send(tries + 1)
          else if (!res.headersSent) res.writeHead(503).end()
        })
        up.end(Buffer.concat(chunks))
      }
      send(0)
    })
  })
  server.on('close', () => clearInterval(check))
  return server
}
