/**
 * The default limits, from the source documents (row numbers of domain/seed-digest.md §2).
 * Deployments store their own copy and may change any of it; this is the starting point.
 * Migration 000600 copied these rows into `time_limit_policies`, which administrators edit
 * (/api/admin/time-limits); here they are only what a process uses before its first load.
 * Changing a value here changes no deployment: that takes a new migration.
 *
 * Where a source gives an arrival time rather than a finishing time (emergency: on site in
 * 10 min; neighbour noise: at the door in 15 min), that is the `resolution` limit: the first
 * owner's promise to the caller is about that moment. Categories without a `resolution` row of
 * their own (the sources leave "other complaints" to the manager, #31), and cases without a
 * category, get the global one: a working day, until the manager sets the case's limit.
 * Variant codes are those of `category_variants` (migration 004000 renamed 'in-home' etc.);
 * migration 006310 turned the seeded 240 working minutes into half a working day.
 */
import type { LimitStep, TimeLimit, TimeLimitPolicy } from './time-limits.ts'

const minutes = (amount: number): TimeLimit => ({ amount, unit: 'minutes', basis: 'calendar' })
const days = (amount: number): TimeLimit => ({ amount, unit: 'days', basis: 'calendar' })
const workingDays = (amount: number): TimeLimit => ({ amount, unit: 'days', basis: 'working' })
/** "半天": half of the configured working day, breaks left out (see time-limits.ts). */
const HALF_DAY: TimeLimit = { amount: 0.5, unit: 'days', basis: 'working' }

function rule(
  step: LimitStep,
  category: string | null,
  variant: string | null,
  limit: TimeLimit,
  source: string,
): TimeLimitPolicy {
  return Object.freeze({ step, category, variant, ...limit, source })
}

const resolution = (category: string, variant: string | null, limit: TimeLimit, source: string) =>
  rule('resolution', category, variant, limit, source)

export const DEFAULT_POLICIES: readonly TimeLimitPolicy[] = Object.freeze([
  rule('record', null, null, minutes(1), '#4 1分钟内录入'),
  rule('dispatch', null, null, minutes(2), '#6 分类及传递时间2分钟'),
  rule('dispatch', 'emergency', null, minutes(1.5), '#5 突发紧急…90秒内完成'),
  rule('supervisor_answer', null, null, minutes(5), '#3 向主管请示后5分钟内给予回复'),
  rule('department_answer', null, null, workingDays(1), '#15 一个工作日内将结果答复客人'),
  rule('confirmation_call', null, null, minutes(2), '#13 2分钟内100%回访客户'),
  // #31: "other complaints: the manager decides". Until the manager sets it, a case without a
  // category (or of a category without its own limit) has one working day.
  rule(
    'resolution',
    null,
    null,
    workingDays(1),
    '#31 其他投诉的处理时限由物业经理视乎具体情况而决定 (until the manager sets it: 1 working day)',
  ),

  resolution('emergency', null, minutes(10), '#25 维修人员到现场时间不超过10分钟'),
  resolution('neighbour', null, minutes(15), '#30 处理人员在15分钟内到达'),

  resolution('complaint', null, HALF_DAY, '#23 default: ordinary'),
  resolution('complaint', 'ordinary', HALF_DAY, '#23 情节一般的，不超过半天'),
  resolution('complaint', 'serious', days(2), '#24 情节严重，不超过2天'),

  resolution('repair', null, workingDays(7), '#27 default: other repairs'),
  resolution('repair', 'simple', HALF_DAY, '#26 简易维修项目，不超过半天'),
  resolution('repair', 'in_home', workingDays(7), '#27 一般不能超过7个工作日'),
  resolution('repair', 'common_area', workingDays(3), '#29 不得超过3个工作日'),
  resolution('repair', 'common_area_urgent', minutes(10), '#28 到现场时间不得超过10分钟'),

  resolution('inquiry', null, minutes(30), '#34 default: general'),
  resolution('inquiry', 'general', minutes(30), '#34 不能马上回复，不超过30分钟'),
  resolution('inquiry', 'third_party', minutes(30), '#36 不超过30分钟回复 (provider on site 1 h)'),
  resolution('inquiry', 'utility', workingDays(2), '#37 原则上不得超过2个工作日'),
])
