import type { Db } from '../db/database.ts'
import type { Category, Hotline } from './directory.repository.ts'
import { listHotlines, listMenuCategories } from './directory.repository.ts'

/**
 * Hotlines and menu categories change a few times a year but are read on every call: kept in
 * memory for a short time, so the webhook path spends its one round trip on the caller.
 */
export interface DirectoryCache {
  hotline(phoneNumber: string): Promise<Hotline | undefined>
  menuCategories(): Promise<Category[]>
  invalidate(): void
}

// Short enough that an administrator's change is live within seconds on every instance.
export const DIRECTORY_TTL_MS = 10_000

export function createDirectoryCache(db: Db, now: () => number = Date.now): DirectoryCache {
  let loaded: Promise<{ hotlines: Map<string, Hotline>; categories: Category[] }> | undefined
  let loadedAt = 0
  const load = () => {
    if (!loaded || now() - loadedAt > DIRECTORY_TTL_MS) {
      loadedAt = now()
      loaded = Promise.all([listHotlines(db), listMenuCategories(db)]).then(([h, categories]) => ({
        hotlines: new Map(h.map((x) => [x.phoneNumber, x])),
        categories,
      }))
      // A failed load must not be cached: the next call tries again.
      loaded.catch(() => (loaded = undefined))
    }
    return loaded
  }
  return {
    async hotline(phoneNumber) {
      return (await load()).hotlines.get(phoneNumber)
    },
    async menuCategories() {
      return (await load()).categories
    },
    invalidate() {
      loaded = undefined
    },
  }
}
