export { type Clock, fakeClock, systemClock } from "./clock";
export {
  type CallingHours,
  DEFAULT_CALLING_HOURS,
  effectiveCallingHours,
  formatCallingHours,
  formatClockTime,
  isWithinCallingHours,
  localSecondOfDay,
  nextOpening,
  parseCallingHours,
  parseClockTime,
  windowClosesAt,
} from "./calling-hours";
export { type DialDecision, decideDial, type OrderWindow } from "./decide-dial";
export { DEDUPE_IGNORED_STATUSES, MAX_DEDUPE_WINDOW_MINUTES } from "./dedupe";
export {
  DEFAULT_MAX_CONCURRENT_CALLS,
  MAX_CONCURRENT_CALLS_LIMIT,
  type OrderPolicy,
  presentPolicy,
  toOrderPolicy,
} from "./order-policy";
export { decisionRecord, type OrderFields, type PlannedOrder, planOrder } from "./plan-order";
export { PolicyCache } from "./policy-cache";
export {
  backoffMinutes,
  checkRedialPolicy,
  DEFAULT_BACKOFF_MINUTES,
  MAX_ATTEMPTS_LIMIT,
  NO_REDIAL,
  planRedial,
  REDIAL_OUTCOMES,
  type RedialOutcome,
  type RedialPlan,
  type RedialPolicy,
} from "./redial-policy";
export { effectiveZones, type NumberZones, zonesOf } from "./time-zones";
export type { OrdersDeps } from "./use-cases/deps";
export {
  addOptOutUseCase,
  listOptOutsUseCase,
  OPT_OUT_LIST_LIMIT_DEFAULT,
  OPT_OUT_LIST_LIMIT_MAX,
  type OptOutSource,
  presentOptOut,
  removeOptOutUseCase,
} from "./use-cases/opt-outs";
export { type PolicyInput, setOrgPolicy, showOrgPolicy } from "./use-cases/org-policy";
export { type PresentedOrder, presentOrder, type StoredOrder, type WindowDecisionRecord } from "./present-order";
export { type AttemptEndPlan, type DialJudgement, judgeDial, planAttemptEnd } from "./judge-dial";
export { type DueCallsReport, runDueCalls } from "./use-cases/due-calls";
