import type { ColumnType, Generated } from 'kysely'

import type { RecordingMode, RecordingStatus } from '../domain/recording.ts'

/** Row shapes as Postgres holds them. They stay inside repositories: callers get domain types. */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
type Json<T> = ColumnType<T, string | undefined, string>

export interface DepartmentsTable {
  id: Generated<number>
  code: string
  name: string
  created_at: Generated<Date>
  name_en: string | null
  contact_name: string | null
  public_phone: string | null
  service_hours: Generated<string>
  service_days: Generated<'working' | 'every'>
  active: Generated<boolean>
  updated_at: Generated<Date>
}

export interface DepartmentPeopleTable {
  id: Generated<number>
  department_id: number
  name: string
  phone_number: string | null
  client_identity: string | null
  rank: Generated<number>
  on_duty: Generated<boolean>
  active: Generated<boolean>
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export interface DepartmentCategoriesTable {
  department_id: number
  category_id: number
}

export interface ExternalBodiesTable {
  id: Generated<number>
  code: string
  name: string
  phone: string
  note: string | null
  active: Generated<boolean>
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export interface ServiceItemContent {
  title: string
  /** What the caller must bring or do. */
  bring: string[]
  steps: string[]
  timeLimit: string
}

export interface ServiceItemsTable {
  id: Generated<number>
  code: string
  category_id: number | null
  content: Json<Partial<Record<'zh-CN' | 'en-US', ServiceItemContent>>>
  active: Generated<boolean>
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export interface CaseNoticesTable {
  id: Generated<string>
  case_id: string
  service_item_id: number
  language: 'zh-CN' | 'en-US'
  body: string
  to_number: string
  sms_id: string | null
  sent_by_agent_id: number | null
  resent_from: string | null
  created_at: Generated<Date>
}

export interface DirectoryEventsTable {
  id: Generated<string>
  entity:
    'department' | 'department_person' | 'department_categories' | 'external_body' | 'service_item'
  entity_id: string
  action: string
  actor_agent_id: number | null
  data: Json<Record<string, unknown>>
  occurred_at: Generated<Date>
}

export type TransferStatus =
  | 'dialing'
  | 'ringing'
  | 'briefing'
  | 'consulting'
  | 'bridged'
  | 'declined'
  | 'no_answer'
  | 'busy'
  | 'failed'
  | 'cancelled'
  | 'caller_gone'
  /** A bridged transfer whose call is over. */
  | 'completed'

export interface TransfersTable {
  id: string
  case_id: string
  call_sid: string
  mode: 'warm' | 'cold'
  department_id: number
  person_id: number | null
  leg_call_sid: string | null
  requested_by: number
  first_owner_id: number | null
  agent_leg_sid: string | null
  agent_left_at: Timestamp | null
  note: string | null
  status: Generated<TransferStatus>
  created_at: Generated<Date>
  answered_at: Timestamp | null
  accepted_at: Timestamp | null
  bridged_at: Timestamp | null
  ended_at: Timestamp | null
}

export interface ConferencePresenceTable {
  conference_sid: string
  call_sid: string
  joined_at: Timestamp | null
  left_at: Timestamp | null
}

export interface CategoriesTable {
  id: Generated<number>
  code: string
  name_zh: string
  name_en: string
  ivr_key: number | null
  is_emergency: Generated<boolean>
  created_at: Generated<Date>
}

export interface AgentsTable {
  id: Generated<number>
  job_number: string
  name: string
  phone_number: string | null
  client_identity: string | null
  department_id: number | null
  role: 'agent' | 'supervisor' | 'manager' | 'admin'
  presence: Generated<'available' | 'busy' | 'away'>
  presence_changed_at: Generated<Date>
  password_hash: string | null
  last_offer_at: Timestamp | null
  created_at: Generated<Date>
  active: Generated<boolean>
  pause_reason: Generated<string | null>
  pause_flagged_at: Generated<Date | null>
  wrap_up_until: Generated<Date | null>
}

export interface ApiTokensTable {
  id: Generated<string>
  agent_id: number
  token_hash: string
  kind: 'session' | 'agent'
  label: string | null
  /** Every token expires (migration 001200): sessions after hours, agent tokens after days. */
  expires_at: ColumnType<Date, Date | string, Date | string>
  revoked_at: Timestamp | null
  created_at: Generated<Date>
  last_used_at: Generated<Date | null>
}

export interface HotlinesTable {
  phone_number: string
  name: string
  language: 'zh-CN' | 'en-US'
  duty_supervisor_id: number
  created_at: Generated<Date>
  /** Whether its calls are recorded, and whether the greeting says so (migration 008200). */
  recording: Generated<RecordingMode>
}

/** Who was in a recorded call, as its legs tell. */
export type RecordingParticipant =
  | { kind: 'caller' }
  | { kind: 'agent'; jobNumber: string }
  | { kind: 'department'; code: string; name: string }

/** One Twilio recording of a case's call (migration 008200); the audio stays at Twilio. */
export interface RecordingsTable {
  id: Generated<string>
  recording_sid: string
  case_id: string | null
  call_sid: string | null
  conference_sid: string | null
  participants: Json<RecordingParticipant[]>
  status: RecordingStatus
  started_at: Timestamp
  duration_seconds: number | null
  created_at: Generated<Date>
  updated_at: Generated<Date>
  deleted_at: Timestamp | null
}

export interface CallersTable {
  id: Generated<string>
  phone_number: string
  name: string | null
  city: string | null
  state: string | null
  country: string | null
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export interface CaseReferenceCountersTable {
  day: string
  last_value: number
}

export interface Referral {
  name: string
  phone: string
  note: string | null
}

/** Where a case came from: a call, or a staff member's intake (issue 10 point 9). */
export type CaseSource = 'call' | 'walk_in' | 'internal' | 'superior' | 'letter' | 'email'

export interface CategoryVariantsTable {
  category: string
  code: string
  name_zh: string
  name_en: string
  is_default: Generated<boolean>
  updated_by: number | null
  updated_at: Generated<Date>
}

export interface CasesTable {
  id: Generated<string>
  reference: string
  hotline_number: string | null
  caller_id: string | null
  category_id: number | null
  urgency: Generated<'normal' | 'urgent' | 'emergency'>
  source: Generated<CaseSource>
  place: string | null
  content: string | null
  contact_name: string | null
  contact_phone: string | null
  first_owner_id: number | null
  first_owned_at: Timestamp | null
  assignee_agent_id: number | null
  assignee_department_id: number | null
  status: Generated<
    | 'open'
    | 'in_progress'
    | 'transferred'
    | 'resolved'
    | 'awaiting_confirmation'
    | 'closed'
    | 'referred_external'
    | 'declined'
  >
  promised_reply_at: Timestamp | null
  needs_return_call: Generated<boolean>
  created_at: Generated<Date>
  updated_at: Generated<Date>
  closed_at: Timestamp | null
  resolved_at: Generated<Date | null>
  resolution_summary: Generated<string | null>
  rework_count: Generated<number>
  satisfaction: Generated<number | null>
  closed_by: Generated<'caller' | 'supervisor_override' | null>
  override_by: Generated<number | null>
  override_reason: Generated<string | null>
  dispatched_category_id: Generated<number | null>
  assigned_at: Generated<Date | null>
  assignee_due_at: Generated<Date | null>
  referral: ColumnType<Referral | null, string | undefined, string | null>
  declined_reason: Generated<string | null>
  /** The severity within the category (category_variants); null: the category's default. */
  variant: Generated<string | null>
  declined_by: Generated<number | null>
  decline_approved_by: Generated<number | null>
  declined_at: Generated<Date | null>
  /** The category an agent recorded at the first save of the record that had one (识别率). */
  first_recorded_category_id: Generated<number | null>
  /** How the caller's "1" closed it: on a spoken return call or by SMS reply. */
  closed_via: Generated<'call' | 'sms' | null>
}

export interface DeclineRequestsTable {
  id: Generated<string>
  case_id: string
  reason: string
  requested_by: number
  requested_at: Timestamp
  outcome: 'approved' | 'refused' | null
  decided_by: number | null
  decided_at: Timestamp | null
  decision_note: string | null
}

/** A question put to the duty supervisor about a case (issue 10 point 5). */
export interface EscalationsTable {
  id: string
  case_id: string
  question: string
  asked_by: number
  asked_at: Timestamp
  due_at: Timestamp
  supervisor_id: number | null
  deadline_id: string | null
  answer: string | null
  answered_by: number | null
  answered_at: Timestamp | null
  manager_notified_at: Timestamp | null
}

/** The owner's request for a later due time, decided by a manager (issue 10 point 6). */
export interface ExtensionRequestsTable {
  id: string
  case_id: string
  deadline_id: string
  step: LimitStepName
  requested_by: number
  requested_at: Timestamp
  new_due_at: Timestamp
  reason: string
  decided_by: number | null
  decided_at: Timestamp | null
  decision: 'approved' | 'refused' | null
  note: string | null
}

export interface AgentRecordsTable {
  id: Generated<string>
  agent_id: number
  kind: 'praise' | 'violation'
  case_id: string | null
  note: string
  recorded_by: number
  recorded_at: Timestamp
}

export type QueueState = 'ivr' | 'waiting' | 'connected' | 'voicemail' | 'abandoned' | 'ended'

export interface CallsTable {
  call_sid: string
  direction: 'inbound' | 'outbound'
  /** softphone: an agent's call from the console to a case's caller (migration 008100). */
  kind: 'caller' | 'agent_offer' | 'department' | 'callback' | 'softphone'
  parent_call_sid: string | null
  case_id: string | null
  agent_id: number | null
  hotline_number: string | null
  from_number: string | null
  to_number: string | null
  caller_id: string | null
  caller_name: string | null
  from_city: string | null
  from_state: string | null
  from_country: string | null
  language: 'zh-CN' | 'en-US' | null
  status: Generated<string>
  status_rank: Generated<number>
  last_sequence: Generated<number>
  digits: Json<string[]>
  ivr_state: Json<Record<string, unknown>>
  queue_state: Generated<QueueState>
  priority: Generated<number>
  preferred_agent_id: number | null
  enqueued_at: Timestamp | null
  answered_by_agent_id: number | null
  answered_at: Timestamp | null
  /** The first queue entry and the first agent's answer, kept when a caller is requeued. */
  first_enqueued_at: Generated<Date | null>
  first_answered_at: Generated<Date | null>
  first_answered_by_agent_id: Generated<number | null>
  started_at: Generated<Date>
  ended_at: Timestamp | null
  duration_seconds: number | null
  conference_name: string | null
  conference_sid: string | null
  created_at: Generated<Date>
  updated_at: Generated<Date>
  /** When the stale-calls duty last asked Twilio about this call (its callbacks had stopped). */
  status_checked_at: Timestamp | null
}

export type OfferStatus =
  | 'dialing'
  | 'ringing'
  | 'answered'
  | 'accepted'
  | 'declined'
  | 'no_answer'
  | 'busy'
  | 'failed'
  | 'cancelled'
  | 'taken'
  | 'caller_gone'

export interface AgentOffersTable {
  id: string
  call_sid: string
  case_id: string | null
  agent_id: number
  leg_call_sid: string | null
  wave: number
  status: Generated<OfferStatus>
  created_at: Generated<Date>
  answered_at: Timestamp | null
  joined_at: Timestamp | null
  ended_at: Timestamp | null
}

export interface StatusReceiptsTable {
  resource_sid: string
  event: string
  sequence_number: number
  received_at: Generated<Date>
}

export interface VoicemailsTable {
  id: Generated<string>
  case_id: string
  call_sid: string
  recording_sid: string | null
  recording_url: string | null
  duration_seconds: number | null
  created_at: Generated<Date>
}

export interface CallbacksTable {
  id: Generated<string>
  case_id: string
  purpose: 'confirmation' | 'promised_reply' | 'department_callback' | 'unanswered_inbound'
  attempt: Generated<number>
  due_at: Timestamp
  status: Generated<'pending' | 'dialing' | 'done' | 'exhausted' | 'cancelled'>
  outcome: string | null
  created_at: Generated<Date>
  updated_at: Generated<Date>
  max_attempts: Generated<number>
  last_attempt_at: Generated<Date | null>
  deadline_at: Generated<Date | null>
  department_id: Generated<number | null>
}

export type AttemptOutcome =
  | 'confirmed'
  | 'rework'
  | 'talk_to_owner'
  | 'no_answer'
  | 'busy'
  | 'machine'
  | 'failed'
  | 'no_input'
  | 'hung_up'
  /** Person-first return calls: the person accepted and the caller was put through. */
  | 'bridged'
  /** The person accepted but the caller did not answer. */
  | 'caller_unreached'

export interface CallbackAttemptsTable {
  id: Generated<string>
  callback_id: string
  /** The callback's case, copied (a callback never changes case): filled by a trigger if not given. */
  case_id: Generated<string>
  attempt: number
  call_sid: string | null
  started_at: Timestamp
  answered_at: Timestamp | null
  ended_at: Timestamp | null
  outcome: AttemptOutcome | null
  rating: number | null
  /** Copies of the case's group columns, kept by triggers (migration 008700): for 满意率 by group. */
  case_first_owner_id: Generated<number | null>
  case_assignee_department_id: Generated<number | null>
  case_category_id: Generated<number | null>
}

export interface SmsMessagesTable {
  id: Generated<string>
  message_sid: string | null
  direction: 'outbound' | 'inbound'
  case_id: string | null
  purpose: string | null
  to_number: string
  from_number: string
  body: string
  status: string | null
  /** Inbound: the outcome its reply was made from, replayed for a retried MessageSid. */
  reply_outcome: 'closed' | 'reopened' | 'not_understood' | 'no_case' | null
  created_at: Generated<Date>
}

export interface NotificationsTable {
  id: Generated<string>
  agent_id: number
  case_id: string | null
  kind: string
  body: string
  created_at: Generated<Date>
  read_at: Timestamp | null
  sms_sent_at: Generated<Date | null>
}

export interface CaseEventsTable {
  id: Generated<string>
  case_id: string
  type: string
  actor_kind: 'agent' | 'caller' | 'system' | 'department'
  actor_agent_id: number | null
  first_owner_id: number | null
  call_sid: string | null
  data: Json<Record<string, unknown>>
  occurred_at: Generated<Date>
}

export type LimitStepName =
  | 'record'
  | 'dispatch'
  | 'supervisor_answer'
  | 'department_answer'
  | 'resolution'
  | 'confirmation_call'

export interface CaseDeadlinesTable {
  id: Generated<string>
  case_id: string
  step: LimitStepName
  started_at: Timestamp
  due_at: Timestamp
  warn_at: Timestamp
  warned_at: Timestamp | null
  breached_at: Timestamp | null
  done_at: Timestamp | null
  extended_by: number | null
  extension_reason: string | null
  created_at: Generated<Date>
  outcome: Generated<ClockOutcome>
  ended_at: Timestamp | null
  round: Generated<number>
  department_id: number | null
  original_due_at: Timestamp | null
  /** Copies of the case's group columns, kept by triggers (migration 007400): for 及时率 by group. */
  case_first_owner_id: Generated<number | null>
  case_assignee_department_id: Generated<number | null>
  case_category_id: Generated<number | null>
}

/** How a clock ended (db/migrations/2026_12_02_002000_clock_outcomes.ts); open until then. */
export type ClockOutcome = 'open' | 'met' | 'missed' | 'cancelled'

export interface DepartmentAnswersTable {
  id: Generated<string>
  case_id: string
  department_id: number
  handler: string
  answer: string
  promised_by: Timestamp | null
  recorded_by: number
  recorded_at: Timestamp
}

export interface QualitySamplesTable {
  id: Generated<string>
  month: string
  case_id: string
  category_id: number | null
  supervisor_id: number | null
  status: Generated<'pending' | 'done' | 'unreachable'>
  satisfied: boolean | null
  rating: number | null
  note: string | null
  created_at: Generated<Date>
  done_at: Timestamp | null
  /** 信息准确率: were the recorded details right? null: not asked or not reached. */
  details_correct: Generated<boolean | null>
  /** When they were not: which (QUALITY_DETAIL_FIELDS). */
  wrong_fields: Generated<string[] | null>
}

export interface RateTargetsTable {
  rate: string
  /** numeric: pg returns it as a string. */
  value: ColumnType<string, number, number>
  comparison: 'gte' | 'gt'
  updated_by: number | null
  updated_at: Generated<Date>
}

export interface TimeLimitPoliciesTable {
  id: Generated<number>
  step: LimitStepName
  category: string | null
  variant: string | null
  /** numeric: pg returns it as a string. */
  amount: ColumnType<string, number, number>
  unit: 'minutes' | 'days'
  basis: 'calendar' | 'working'
  source: string
  updated_by: number | null
  updated_at: Generated<Date>
}

export interface CalendarOverridesTable {
  /** date: read it as text (to_char), or pg turns it into a Date at the server's midnight. */
  date: string
  kind: 'workday' | 'holiday'
  note: string
  created_by: number
  created_at: Generated<Date>
}

export interface CalendarYearsTable {
  year: number
  /** date[]: read as text (to_char over unnest), written as 'YYYY-MM-DD' strings. */
  holidays: string[]
  workdays: string[]
  source: string
  imported_by: number
  imported_at: Date
}

export interface AdminEventsTable {
  id: Generated<string>
  actor_agent_id: number
  entity:
    | 'time_limit_policy'
    | 'calendar_override'
    | 'calendar_year'
    | 'agent'
    | 'category'
    | 'ivr_prompt'
    | 'category_variant'
    | 'rate_target'
    | 'hotline'
  entity_key: string
  action: 'created' | 'updated' | 'deleted'
  before: ColumnType<Record<string, unknown> | null, string | null, never>
  after: ColumnType<Record<string, unknown> | null, string | null, never>
  occurred_at: Generated<Date>
}

export interface IvrPromptsTable {
  language: 'zh-CN' | 'en-US'
  key: string
  text: string
  updated_by: number
  updated_at: Generated<Date>
}

export interface PeriodicDutiesTable {
  name: string
  every_ms: number
  next_due_at: Timestamp
  last_started_at: Timestamp | null
  last_finished_at: Timestamp | null
  last_ok_at: Timestamp | null
  last_error: string | null
  last_runner: string | null
  runs: Generated<string>
  failures: Generated<string>
}

export interface Database {
  periodic_duties: PeriodicDutiesTable
  departments: DepartmentsTable
  categories: CategoriesTable
  agents: AgentsTable
  api_tokens: ApiTokensTable
  hotlines: HotlinesTable
  callers: CallersTable
  case_reference_counters: CaseReferenceCountersTable
  cases: CasesTable
  calls: CallsTable
  agent_offers: AgentOffersTable
  status_receipts: StatusReceiptsTable
  voicemails: VoicemailsTable
  callbacks: CallbacksTable
  case_events: CaseEventsTable
  callback_attempts: CallbackAttemptsTable
  sms_messages: SmsMessagesTable
  notifications: NotificationsTable
  case_deadlines: CaseDeadlinesTable
  quality_samples: QualitySamplesTable
  rate_targets: RateTargetsTable
  time_limit_policies: TimeLimitPoliciesTable
  calendar_overrides: CalendarOverridesTable
  calendar_years: CalendarYearsTable
  admin_events: AdminEventsTable
  ivr_prompts: IvrPromptsTable
  department_people: DepartmentPeopleTable
  department_categories: DepartmentCategoriesTable
  external_bodies: ExternalBodiesTable
  service_items: ServiceItemsTable
  case_notices: CaseNoticesTable
  directory_events: DirectoryEventsTable
  transfers: TransfersTable
  conference_presence: ConferencePresenceTable
  decline_requests: DeclineRequestsTable
  agent_records: AgentRecordsTable
  department_answers: DepartmentAnswersTable
  category_variants: CategoryVariantsTable
  escalations: EscalationsTable
  extension_requests: ExtensionRequestsTable
  recordings: RecordingsTable
}
