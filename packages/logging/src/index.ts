export { createLogger, maskUrlPassword, REDACTED_PATHS, redactUrl } from "./create-logger";
export type { Logger } from "./create-logger";
