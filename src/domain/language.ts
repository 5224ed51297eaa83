export type Language = 'zh-CN' | 'en-US'

export const LANGUAGES: readonly Language[] = ['zh-CN', 'en-US']

export function otherLanguage(l: Language): Language {
  return l === 'zh-CN' ? 'en-US' : 'zh-CN'
}

export function isLanguage(v: unknown): v is Language {
  return v === 'zh-CN' || v === 'en-US'
}
