export { createLogger, maskUrlPassword, REDACTED_PATHS, redactUrl } from "./create-logger";
export type { Logger } from "./create-logger";
export { causeCode, errorChain, errorCode } from "./errors";
export {
  probeReadiness,
  READINESS_RETRY_AFTER_SECONDS,
  type ReadinessChecks,
  type ReadinessReply,
  readinessReply,
} from "./readiness";
export { type PeriodicLoop, startPeriodic } from "./periodic";
export { within, withTimeout } from "./timeouts";
