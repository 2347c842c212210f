export { ConfigError, DEFAULT_SECRETS_KEY_FILE, loadConfig } from "./load-config";
export type { Config } from "./load-config";
export { loadConfigOrExit } from "./load-config-or-exit";
