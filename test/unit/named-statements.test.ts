import { describe, expect, it } from 'vitest'

import { namedStatements } from '../../src/db/named-statements.ts'

describe('namedStatements', () => {
  it('names a text from its second call, the same name every time after', () => {
    const s = namedStatements({ max: 10 })
    expect(s.nameFor('select $1')).toBeUndefined()
    const name = s.nameFor('select $1')
    expect(name).toBeDefined()
    expect(s.nameFor('select $1')).toBe(name)
    expect(s.nameFor('select $2')).toBeUndefined()
  })

  it('names at most max texts: texts built from varying lists cannot grow without bound', () => {
    const s = namedStatements({ max: 2 })
    const texts = ['a $1', 'b $1', 'c $1']
    for (const t of texts) s.nameFor(t)
    const names = texts.map((t) => s.nameFor(t))
    expect(names.filter((n) => n !== undefined)).toHaveLength(2)
    expect(names[2]).toBeUndefined()
    expect(s.size).toBe(2)
  })

  it('gives a forgotten text a new name, so it is prepared afresh', () => {
    const s = namedStatements({ max: 10, seenBeforeNaming: 1 })
    const before = s.nameFor('select * from t where id = $1')
    s.forget('select * from t where id = $1')
    const after = s.nameFor('select * from t where id = $1')
    expect(after).toBeDefined()
    expect(after).not.toBe(before)
  })
})
