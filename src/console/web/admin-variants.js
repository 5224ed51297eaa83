import { useLoad } from './api.js'
import { t } from './i18n.js'
import { useAction } from './use-action.js'
import { html, useState } from './vendor/preact.js'

/**
 * Each category's severity variants (the resolution limit depends on them, see the time
 * limits): administrators add or rename one, or make it the category's default.
 */
export function Variants({ isAdmin }) {
  const cats = useLoad('/categories')
  const blank = { category: '', code: '', nameZh: '', nameEn: '', isDefault: false }
  const [f, setF] = useState(blank)
  const act = useAction(() => {
    setF(blank)
    void cats.load()
  })
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value })
  const save = (e) => {
    e.preventDefault()
    const body = { nameZh: f.nameZh.trim(), nameEn: f.nameEn.trim(), isDefault: f.isDefault }
    void act.run(`/admin/categories/${f.category}/variants/${f.code.trim()}`, 'PUT', body)()
  }
  const categories = cats.data?.categories ?? []
  return html`<div data-testid="admin-variants">
    <h3>${t('variant')}</h3>
    ${act.message ? html`<p class="error" role="alert">${act.message}</p>` : null}
    <table>
      ${categories.flatMap((c) =>
        c.variants.map(
          (v) =>
            html`<tr data-testid=${`variant-${c.code}-${v.code}`}>
              <td>${c.code}</td>
              <td>${v.code}</td>
              <td>${v.nameZh}</td>
              <td>${v.nameEn}</td>
              <td>${v.isDefault ? t('variantDefault') : ''}</td>
              <td>
                ${
                  isAdmin
                    ? html`<button
                        class="plain"
                        aria-label=${`${t('variant')} ${c.code} ${v.code}: ${t('edit')}`}
                        onClick=${() => setF({ category: c.code, ...v })}
                      >
                        ✎
                      </button>`
                    : null
                }
              </td>
            </tr>`,
        ),
      )}
    </table>
    ${
      isAdmin
        ? html`<form onSubmit=${save} data-testid="variant-edit">
            <div class="row">
              <div>
                <label for="variant-category">${t('variantCategory')}</label>
                <select id="variant-category" value=${f.category} onChange=${set('category')}>
                  <option value="">—</option>
                  ${categories.map((c) => html`<option value=${c.code}>${c.code}</option>`)}
                </select>
              </div>
              <div>
                <label for="variant-code">${t('variantCode')}</label>
                <input id="variant-code" value=${f.code} onInput=${set('code')} />
              </div>
            </div>
            <label for="variant-name-zh">${t('variantNameZh')}</label>
            <input id="variant-name-zh" value=${f.nameZh} onInput=${set('nameZh')} />
            <label for="variant-name-en">${t('variantNameEn')}</label>
            <input id="variant-name-en" value=${f.nameEn} onInput=${set('nameEn')} />
            <label>
              <input
                type="checkbox"
                checked=${f.isDefault}
                onChange=${(e) => setF({ ...f, isDefault: e.currentTarget.checked })}
              />
              ${t('variantDefault')}
            </label>
            <p>
              <button type="submit" disabled=${!f.category || !f.code.trim()}>${t('save')}</button>
            </p>
          </form>`
        : null
    }
  </div>`
}
