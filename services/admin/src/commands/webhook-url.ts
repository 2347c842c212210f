import type { Config } from "@inbound/config";

/** The URL a customer pastes into their tool; PUBLIC_BASE_URL may or may not end with a slash. */
export function webhookUrl(config: Config, token: string): string {
  return `${config.PUBLIC_BASE_URL.replace(/\/+$/, "")}/v1/hooks/${token}`;
}
