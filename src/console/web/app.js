import { Admin } from './admin.js'
import { api } from './api.js'
import { lang, setLang, t } from './i18n.js'
import { Quality } from './quality.js'
import { ServiceLevel } from './service-level.js'
import { Board, Rates, Records } from './supervisor.js'
import { html, render, useEffect, useState } from './vendor/preact.js'
import { Workspace } from './workspace.js'

const SUPERVISING = ['supervisor', 'manager', 'admin']

/** The rates, then the service level (15秒接通率) below them. */
const RatesPage = () => html`<${Rates} /><${ServiceLevel} />`

/** Pages by hash; the server enforces roles, the menu only hides what would answer 403. */
const PAGES = [
  { id: 'workspace', roles: null, view: Workspace },
  { id: 'board', roles: SUPERVISING, view: Board },
  { id: 'rates', roles: SUPERVISING, view: RatesPage },
  { id: 'quality', roles: SUPERVISING, view: Quality },
  { id: 'records', roles: SUPERVISING, view: Records },
  { id: 'admin', roles: SUPERVISING, view: Admin },
]

function Login({ onIn, onLang }) {
  const [job, setJob] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState('')
  const submit = async (e) => {
    e.preventDefault()
    try {
      // The session is the HttpOnly cookie this sets; the page never sees or keeps a token.
      await api('/auth/login', {
        method: 'POST',
        body: { jobNumber: job, password },
        context: 'login',
      })
      onIn()
    } catch (err) {
      setError(err.message)
    }
  }
  return html`<header>
      <h1>${t('title')}</h1>
      <span class="me"><${LangButton} onLang=${onLang} /></span>
    </header>
    <main>
      <section class="card login">
        <h2>${t('login')}</h2>
        <form onSubmit=${submit}>
          <label for="login-job">${t('jobNumber')}</label>
          <input
            id="login-job"
            name="jobNumber"
            autocomplete="username"
            data-testid="login-job"
            value=${job}
            onInput=${(e) => setJob(e.currentTarget.value)}
          />
          <label for="login-password">${t('password')}</label>
          <input
            id="login-password"
            name="password"
            type="password"
            autocomplete="current-password"
            data-testid="login-password"
            value=${password}
            onInput=${(e) => setPassword(e.currentTarget.value)}
          />
          ${error ? html`<p class="error" role="alert" data-testid="login-error">${error}</p>` : null}
          <p><button type="submit" data-testid="login-submit">${t('login')}</button></p>
        </form>
      </section>
    </main>`
}

/** 中文 / English, before and after login; the choice is kept in localStorage (see i18n.js). */
function LangButton({ onLang }) {
  return html`<button
    class="plain"
    data-testid="lang"
    lang=${lang === 'zh-CN' ? 'en' : 'zh-CN'}
    onClick=${() => {
      setLang(lang === 'zh-CN' ? 'en-US' : 'zh-CN')
      onLang()
    }}
  >
    ${lang === 'zh-CN' ? 'English' : '中文'}
  </button>`
}

/** Calls here are played by the local simulator: say so on every page, before login too. */
function SimulatorBanner({ config }) {
  if (config?.twilioMode !== 'simulator') return null
  return html`<p class="banner" role="status" data-testid="simulator-banner">
    ${t('simulatorBanner')}
  </p>`
}

function App() {
  const [config, setConfig] = useState(undefined)
  const [page, setPage] = useState(location.hash.replace('#/', '') || 'workspace')
  const [, redraw] = useState(0)
  // Public: answers `agent: null` without a session, so a logged-out load fails no request.
  const load = () =>
    api('/console/config')
      .then(setConfig)
      .catch(() => setConfig(null))
  useEffect(() => {
    void load()
    const onHash = () => setPage(location.hash.replace('#/', '') || 'workspace')
    addEventListener('hashchange', onHash)
    return () => removeEventListener('hashchange', onHash)
  }, [])
  const onLang = () => redraw((n) => n + 1)
  if (config === undefined) return html`<p class="muted">…</p>`
  if (!config?.agent)
    return html`<${SimulatorBanner} config=${config} /><${Login} onIn=${load} onLang=${onLang} />`
  const role = config.agent.role
  const visible = PAGES.filter((p) => !p.roles || p.roles.includes(role))
  const current = PAGES.find((p) => p.id === page) ?? PAGES[0]
  const allowed = !current.roles || current.roles.includes(role)
  const logout = async () => {
    await api('/auth/logout', { method: 'POST' }).catch(() => {})
    setConfig({ ...config, agent: null })
  }
  const View = current.view
  return html`<${SimulatorBanner} config=${config} />
    <header>
      <h1>${t('title')}</h1>
      <nav>
        ${visible.map(
          (p) =>
            html`<a
              href=${`#/${p.id}`}
              class=${p.id === current.id ? 'on' : ''}
              data-testid=${`nav-${p.id}`}
              >${t(p.id)}</a
            >`,
        )}
        ${SUPERVISING.includes(role) ? html`<a href="/console/queues" target="_blank">${t('queues')}</a>` : null}
        ${config.simulator ? html`<a href="/console/phone.html" target="_blank">${t('phone')}</a>` : null}
      </nav>
      <span class="me">
        <span data-testid="me">${config.agent.jobNumber} ${config.agent.name} (${role})</span>
        <${LangButton} onLang=${onLang} />
        <button class="plain" data-testid="logout" onClick=${logout}>${t('logout')}</button>
      </span>
    </header>
    <main>
      ${
        allowed
          ? html`<${View} config=${config} />`
          : html`<section class="card">
              <p class="error" data-testid="not-allowed">${t('notAllowed')}</p>
            </section>`
      }
    </main>`
}

render(html`<${App} />`, document.getElementById('app'))
