/**
 * Which rows of `live_hints` a reader has seen. Ids are handed out in order of insert but a
 * transaction can commit after a later one, so an id skipped over may still appear: it is kept
 * as a gap and asked for again until it shows or is older than `gapWaitMs` (a rolled-back insert
 * never shows). Hints are ephemeral, so a gap is not worth more than a few seconds.
 */
export interface HintCursor {
  /** Every id up to here was seen or is a gap. */
  readonly last: number
  /** Ids below `last` not yet seen, with when they were first missed (ms). */
  readonly gaps: ReadonlyMap<number, number>
}

export const GAP_WAIT_MS = 5_000
// A burst of rolled-back inserts must not make every read ask for thousands of ids.
export const MAX_GAPS = 1_000

export function startCursor(last: number): HintCursor {
  return { last, gaps: new Map() }
}

/** The ids to ask for next: those after `last`, and the gaps. */
export function wanted(c: HintCursor): { after: number; gaps: number[] } {
  return { after: c.last, gaps: [...c.gaps.keys()] }
}

/**
 * Takes the ids a read returned (any order) and returns those to deliver, once each, and the
 * cursor after them.
 */
export function advance(
  c: HintCursor,
  ids: readonly number[],
  nowMs: number,
  o: { gapWaitMs?: number; maxGaps?: number } = {},
): { deliver: Set<number>; cursor: HintCursor } {
  const gapWait = o.gapWaitMs ?? GAP_WAIT_MS
  const maxGaps = o.maxGaps ?? MAX_GAPS
  const gaps = new Map(c.gaps)
  const deliver = new Set<number>()
  let last = c.last
  for (const id of [...ids].sort((a, b) => a - b)) {
    if (id > last) {
      for (let missing = Math.max(last + 1, id - maxGaps); missing < id; missing++)
        gaps.set(missing, nowMs)
      last = id
      deliver.add(id)
    } else if (gaps.delete(id)) {
      deliver.add(id)
    }
  }
  for (const [id, since] of gaps) if (nowMs - since > gapWait) gaps.delete(id)
  // Map order is insertion order, lowest missing first: drop the oldest beyond the cap.
  const excess = gaps.size - maxGaps
  if (excess > 0) for (const id of [...gaps.keys()].slice(0, excess)) gaps.delete(id)
  return { deliver, cursor: { last, gaps } }
}
