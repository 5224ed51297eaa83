import { lang, setLang, t } from './i18n.js'
import { PhonePanel, simulatorDirectory, useSimPhone } from './sim-phone.js'
import { html, render, useEffect, useState } from './vendor/preact.js'

/** The caller's side, for trying the hotline without Twilio: call, hear prompts as text, press keys. */
function BrowserPhone() {
  const [number, setNumber] = useState(localStorage.getItem('shouwen-caller') ?? '+8613800138000')
  const [active, setActive] = useState(undefined)
  const [hotlines, setHotlines] = useState([])
  const [to, setTo] = useState('')
  const [error, setError] = useState('')
  const [, redraw] = useState(0)
  useEffect(() => {
    simulatorDirectory()
      .then((d) => {
        setHotlines(d.hotlines)
        setTo(d.hotlines[0]?.number ?? '')
      })
      .catch((e) => setError(`${e.message}: the browser phone needs the service in simulator mode`))
  }, [])
  const phone = useSimPhone(active)
  const call = async () => {
    setError('')
    try {
      await phone.place(to)
    } catch (e) {
      setError(e.message)
    }
  }
  return html`<header>
      <h1>${t('phone')}</h1>
      <nav><a href="/console/">${t('workspace')}</a></nav>
      <span class="me">
        <button
          class="plain"
          onClick=${() => {
            setLang(lang === 'zh-CN' ? 'en-US' : 'zh-CN')
            redraw((n) => n + 1)
          }}
        >
          ${lang === 'zh-CN' ? 'English' : '中文'}
        </button>
      </span>
    </header>
    <main>
      <section class="card">
        <div class="row">
          <div>
            <label for="caller-number">${t('caller')}</label>
            <input
              id="caller-number"
              data-testid="caller-number"
              value=${number}
              disabled=${!!active}
              onInput=${(e) => setNumber(e.currentTarget.value)}
            />
          </div>
          <div>
            <label for="hotline">${t('hotline')}</label>
            <select
              id="hotline"
              data-testid="hotline"
              value=${to}
              onChange=${(e) => setTo(e.currentTarget.value)}
            >
              ${hotlines.map((h) => html`<option value=${h.number}>${h.name} ${h.number}</option>`)}
            </select>
          </div>
          ${
            active
              ? html`<button data-testid="call" onClick=${call}>Call</button>`
              : html`<button
                  data-testid="use-number"
                  onClick=${() => {
                    localStorage.setItem('shouwen-caller', number)
                    setActive(number)
                  }}
                >
                  Use this phone
                </button>`
          }
        </div>
        ${error ? html`<p class="error">${error}</p>` : null}
      </section>
      ${active ? html`<${PhonePanel} phone=${phone} title=${t('caller')} />` : null}
    </main>`
}

render(html`<${BrowserPhone} />`, document.getElementById('phone'))
