/**
 * The rates the sources set targets for (DOMAIN.md, "Rates"), and how a rate is judged against
 * its target. Targets are data (table rate_targets, edited by administrators); these are the
 * sources' own figures, which the migration seeds and a reset returns to.
 */

export const RATE_NAMES = [
  'timeliness',
  'satisfaction',
  'returnCall',
  'pass',
  'classification',
  'informationAccuracy',
] as const
export type RateName = (typeof RATE_NAMES)[number]

/** 'gt': more than the value ("> 98 %"); 'gte': at least the value ("100 %"). */
export type TargetComparison = 'gt' | 'gte'

export interface RateTarget {
  /** A fraction, 0 to 1. */
  value: number
  comparison: TargetComparison
}

export type RateTargets = Readonly<Record<RateName, RateTarget>>

export const DEFAULT_RATE_TARGETS: RateTargets = {
  timeliness: { value: 1, comparison: 'gte' },
  satisfaction: { value: 0.98, comparison: 'gt' },
  returnCall: { value: 1, comparison: 'gte' },
  pass: { value: 1, comparison: 'gte' },
  classification: { value: 0.99, comparison: 'gt' },
  informationAccuracy: { value: 0.98, comparison: 'gt' },
}

/**
 * Whether numerator ÷ denominator meets the target; null when nothing was counted. Compared
 * as whole-number cross products, so 49 of 50 against "> 98 %" is exactly "not more than"
 * (no floating-point 0.98 that is a hair above or below).
 */
export function meetsTarget(
  numerator: number,
  denominator: number,
  target: RateTarget,
): boolean | null {
  if (denominator === 0) return null
  // Targets have at most 5 decimals (numeric(6,5)): scale them to a whole number.
  const scale = 100_000
  const t = Math.round(target.value * scale)
  const lhs = numerator * scale
  const rhs = denominator * t
  return target.comparison === 'gt' ? lhs > rhs : lhs >= rhs
}
