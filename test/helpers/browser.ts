import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

import type { Browser } from 'playwright-core'
import { chromium } from 'playwright-core'

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']

/**
 * Debian's Chromium for the browser tests: CHROMIUM_PATH, else the usual places, else installed
 * with apt-get when we are root (as the services are); otherwise a message saying what to install.
 */
export function findOrInstallChromium(say: (m: string) => void): string {
  const wanted = process.env['CHROMIUM_PATH']
  if (wanted) {
    if (!existsSync(wanted)) throw new Error(`CHROMIUM_PATH=${wanted} does not exist`)
    return wanted
  }
  const found = CANDIDATES.find((p) => existsSync(p))
  if (found) return found
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    say('Chromium not found: installing Debian package chromium (once) for the browser tests')
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    try {
      execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
        env,
        stdio: 'ignore',
      })
    } catch {
      execFileSync('apt-get', ['update'], { env, stdio: 'ignore' })
      execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
        env,
        stdio: 'ignore',
      })
    }
    const now = CANDIDATES.find((p) => existsSync(p))
    if (now) return now
  }
  throw new Error(
    'The browser tests need Chromium: install Debian package chromium (apt-get install chromium) ' +
      'or set CHROMIUM_PATH to a Chromium or Chrome binary.',
  )
}

/** Headless, sandbox off (root in a container), no calls home: this machine's network is closed. */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}
