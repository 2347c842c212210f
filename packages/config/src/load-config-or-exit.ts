import { type Config, ConfigError, loadConfig } from "./load-config";

/**
 * A service's start: the configuration, or one line on stderr naming the bad variable(s) (prefixed with the
 * service's name when given) and exit code 1. Any other error is thrown.
 */
export function loadConfigOrExit(service?: string, env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${service ? `${service}: ` : ""}${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
