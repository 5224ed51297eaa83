import { Admin } from './admin.js'
import { api } from './api.js'
import { lang, setLang, t } from './i18n.js'
import { Board, Quality, Rates, Records } from './supervisor.js'
import { html, render, useEffect, useState } from './vendor/preact.js'
import { Workspace } from './workspace.js'

const SUPERVISING = ['supervisor', 'manager', 'admin']

/** Pages by hash; the server enforces roles, the menu only hides what would answer 403. */
const PAGES = [
  { id: 'workspace', roles: null, view: Workspace },
  { id: 'board', roles: SUPERVISING, view: Board },
  { id: 'rates', roles: SUPERVISING, view: Rates },
  { id: 'quality', roles: SUPERVISING, view: Quality },
  { id: 'records', roles: SUPERVISING, view: Records },
  { id: 'admin', roles: SUPERVISING, view: Admin },
]

function Login({ onIn }) {
  const [job, setJob] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState('')
  const submit = async (e) => {
    e.preventDefault()
    try {
      await api('/auth/login', { method: 'POST', body: { jobNumber: job, password } })
      onIn()
    } catch (err) {
      setError(err.message)
    }
  }
  return html`<section class="card login">
    <h2>${t('title')} — ${t('login')}</h2>
    <form onSubmit=${submit}>
      <label>${t('jobNumber')}</label>
      <input
        name="jobNumber"
        data-testid="login-job"
        value=${job}
        onInput=${(e) => setJob(e.currentTarget.value)}
      />
      <label>${t('password')}</label>
      <input
        name="password"
        type="password"
        data-testid="login-password"
        value=${password}
        onInput=${(e) => setPassword(e.currentTarget.value)}
      />
      ${error ? html`<p class="error" data-testid="login-error">${error}</p>` : null}
      <p><button type="submit" data-testid="login-submit">${t('login')}</button></p>
    </form>
  </section>`
}

function App() {
  const [config, setConfig] = useState(undefined)
  const [page, setPage] = useState(location.hash.replace('#/', '') || 'workspace')
  const [, redraw] = useState(0)
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
  if (config === undefined) return html`<p class="muted">…</p>`
  if (config === null) return html`<${Login} onIn=${load} />`
  const role = config.agent.role
  const visible = PAGES.filter((p) => !p.roles || p.roles.includes(role))
  const current = PAGES.find((p) => p.id === page) ?? PAGES[0]
  const allowed = !current.roles || current.roles.includes(role)
  const logout = async () => {
    await api('/auth/logout', { method: 'POST' }).catch(() => {})
    setConfig(null)
  }
  const View = current.view
  return html`<header>
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
        <button
          class="plain"
          onClick=${() => {
            setLang(lang === 'zh-CN' ? 'en-US' : 'zh-CN')
            redraw((n) => n + 1)
          }}
        >
          ${lang === 'zh-CN' ? 'English' : '中文'}
        </button>
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
