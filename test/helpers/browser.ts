import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

import type { Browser, Page } from 'playwright-core'
import { chromium } from 'playwright-core'

import { DEMO_PASSWORD } from '../../src/db/demo-data.ts'

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']

// Without a CJK font the Mandarin console renders as boxes in Chromium (and in screenshots).
const CJK_FONTS = 'fonts-noto-cjk'

const canApt = () => process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')

/** apt-get install, with one `apt-get update` first if the package lists are stale or missing. */
function aptInstall(pkg: string): void {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const install = () =>
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', pkg], {
      env,
      stdio: 'ignore',
    })
  try {
    install()
  } catch {
    execFileSync('apt-get', ['update'], { env, stdio: 'ignore' })
    install()
  }
}

function isInstalled(pkg: string): boolean {
  try {
    const status = execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' })
    return status.includes('install ok installed')
  } catch {
    return false
  }
}

/**
 * The CJK fonts the console's Mandarin needs, installed with apt-get like Chromium; where that
 * cannot be done the tests still run, and this says what to install for readable screenshots.
 */
export function ensureCjkFonts(say: (m: string) => void): void {
  if (!existsSync('/usr/bin/dpkg-query') || isInstalled(CJK_FONTS)) return
  if (!canApt()) {
    say(`${CJK_FONTS} is not installed: Chinese shows as boxes (apt-get install ${CJK_FONTS})`)
    return
  }
  say(`installing Debian package ${CJK_FONTS} (once) so the console's Chinese is readable`)
  try {
    aptInstall(CJK_FONTS)
  } catch {
    say(`could not install ${CJK_FONTS}; Chinese will show as boxes in screenshots`)
  }
}

/**
 * Debian's Chromium for the browser tests: CHROMIUM_PATH, else the usual places, else installed
 * with apt-get when we are root (as the services are); otherwise a message saying what to install.
 * The CJK fonts come with it (see ensureCjkFonts).
 */
export function findOrInstallChromium(say: (m: string) => void): string {
  ensureCjkFonts(say)
  const wanted = process.env['CHROMIUM_PATH']
  if (wanted) {
    if (!existsSync(wanted)) throw new Error(`CHROMIUM_PATH=${wanted} does not exist`)
    return wanted
  }
  const found = CANDIDATES.find((p) => existsSync(p))
  if (found) return found
  if (canApt()) {
    say('Chromium not found: installing Debian package chromium (once) for the browser tests')
    aptInstall('chromium')
    const now = CANDIDATES.find((p) => existsSync(p))
    if (now) return now
  }
  throw new Error(
    'The browser tests need Chromium: install Debian package chromium (apt-get install chromium) ' +
      'or set CHROMIUM_PATH to a Chromium or Chrome binary.',
  )
}

/** Headless, sandbox off (root in a container), no calls home: this machine's network is closed. */
export function launchChromium(executablePath: string, extraArgs: string[] = []): Promise<Browser> {
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
      ...extraArgs,
    ],
  })
}

/**
 * A fresh page (its own cookies) logged into the console as `job` with the demo password. What
 * goes wrong in it (an uncaught error, a console error, an HTTP answer of 400 or more) is pushed
 * onto `problems`, which the tests expect to stay empty.
 */
export async function consolePageAs(
  o: { browser: Browser; base: string; problems: string[] },
  job: string,
): Promise<Page> {
  const page = await (
    await o.browser.newContext({ viewport: { width: 1400, height: 1000 } })
  ).newPage()
  page.on('pageerror', (e) => o.problems.push(`${job} uncaught: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error') o.problems.push(`${job} console: ${m.text()}`)
  })
  page.on('response', (r) => {
    if (r.status() >= 400) o.problems.push(`${r.status()} ${r.request().method()} ${r.url()}`)
  })
  await page.goto(`${o.base}/console/`)
  await page.getByLabel('工号', { exact: true }).fill(job)
  await page.getByLabel('密码', { exact: true }).fill(DEMO_PASSWORD)
  await page.getByTestId('login-submit').click()
  await page.getByTestId('me').waitFor()
  return page
}
