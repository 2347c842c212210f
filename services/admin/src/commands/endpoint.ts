import {
  createEndpoint,
  deliveryLog,
  disableEndpoint,
  type EndpointUseCaseContext,
  getEndpoints,
  recoverFailed,
  resend,
  rotateSecret,
  sendTestEvent,
  updateEndpoint,
} from "@inbound/webhooks";
import { optionalInteger, required, UsageError } from "../args";
import { runUseCase } from "../run-use-case";
import type { Command, CommandContext, OptionValues } from "../command";

/** `pnpm admin endpoint …`: status-webhook endpoints (SPEC §6), through the same use cases as the REST API. */
const useCases = (context: CommandContext): EndpointUseCaseContext => ({
  sql: context.prisma,
  box: context.secretBox,
  policy: { allowInsecure: context.config.WEBHOOK_ALLOW_INSECURE },
});


const list = (value: string | undefined) => (value === undefined ? undefined : value.split(",").map((s) => s.trim()).filter(Boolean));

function time(values: OptionValues, name: string): Date {
  const raw = required(values, name);
  const date = new Date(raw);
  if (Number.isNaN(date.getTime())) throw new UsageError(`--${name} must be an ISO 8601 time, e.g. 2026-11-30T12:00:00Z`);
  return date;
}

const endpointOption = { endpoint: { value: "ID", description: "endpoint id (we_…)", required: true } };

const create: Command = {
  path: ["endpoint", "create"],
  summary: "Register a status-webhook endpoint; its signing secret is shown once.",
  options: {
    org: { value: "ID", description: "organisation id (org_…)", required: true },
    url: { value: "URL", description: "https URL receiving the events", required: true },
    events: { value: "LIST", description: "comma-separated event types (default: all)" },
    description: { value: "TEXT", description: "a note for people" },
  },
  prepare(values) {
    const input = { orgId: required(values, "org"), url: required(values, "url"), eventTypes: list(values.events), description: values.description };
    return async (context) => {
      const endpoint = await runUseCase(() => createEndpoint(useCases(context), input));
      return {
        json: endpoint,
        text: [
          `Endpoint ${endpoint.id} → ${endpoint.url} (${endpoint.event_types.length ? endpoint.event_types.join(", ") : "all events"}).`,
          `Signing secret (shown once, store it now): ${endpoint.secret}`,
        ].join("\n"),
      };
    };
  },
};

const listCommand: Command = {
  path: ["endpoint", "list"],
  summary: "List an organisation's endpoints (enabled or disabled, and why).",
  options: { org: { value: "ID", description: "organisation id (org_…)", required: true } },
  prepare(values) {
    const orgId = required(values, "org");
    return async (context) => {
      const endpoints = await runUseCase(() => getEndpoints(useCases(context), { orgId }));
      return {
        json: { org_id: orgId, endpoints },
        text:
          endpoints
            .map((e) => `${e.id}  ${e.enabled ? "enabled " : `disabled (${e.disabled_reason})`}  ${e.url}  ${e.event_types.join(",") || "all events"}`)
            .join("\n") || `No endpoints for ${orgId}.`,
      };
    };
  },
};

const update: Command = {
  path: ["endpoint", "update"],
  summary: "Change an endpoint's URL, event types or description, or enable it again.",
  options: {
    ...endpointOption,
    url: { value: "URL", description: "new https URL" },
    events: { value: "LIST", description: "comma-separated event types (\"all\" for every type)" },
    description: { value: "TEXT", description: "a note for people" },
    enabled: { value: "true|false", description: "enable (clears the disabled reason) or disable" },
  },
  prepare(values) {
    const endpointId = required(values, "endpoint");
    if (values.enabled !== undefined && !["true", "false"].includes(values.enabled)) throw new UsageError("--enabled must be true or false");
    const input = {
      endpointId,
      url: values.url,
      eventTypes: values.events === "all" ? [] : list(values.events),
      description: values.description,
      enabled: values.enabled === undefined ? undefined : values.enabled === "true",
    };
    return async (context) => {
      const endpoint = await runUseCase(() => updateEndpoint(useCases(context), input));
      return { json: endpoint, text: `Endpoint ${endpoint.id} updated (${endpoint.enabled ? "enabled" : "disabled"}).` };
    };
  },
};

const disable: Command = {
  path: ["endpoint", "disable"],
  summary: "Disable an endpoint; its pending messages fail (recover them after enabling it again).",
  options: endpointOption,
  prepare(values) {
    const endpointId = required(values, "endpoint");
    return async (context) => {
      const endpoint = await runUseCase(() => disableEndpoint(useCases(context), { endpointId }));
      return { json: endpoint, text: `Endpoint ${endpoint.id} disabled.` };
    };
  },
};

const rotate: Command = {
  path: ["endpoint", "rotate-secret"],
  summary: "New signing secret (shown once); the previous ones also sign for the grace period.",
  options: { ...endpointOption, "grace-minutes": { value: "N", description: "minutes the previous secret keeps signing (default 0)" } },
  prepare(values) {
    const endpointId = required(values, "endpoint");
    const graceMinutes = optionalInteger(values, "grace-minutes", 0) ?? 0;
    return async (context) => {
      const rotated = await runUseCase(() => rotateSecret(useCases(context), { endpointId, graceMinutes }));
      return {
        json: rotated,
        text: [
          `New signing secret of ${endpointId} (shown once, store it now): ${rotated.secret}`,
          rotated.previous_valid_until ? `The previous secret also signs until ${rotated.previous_valid_until}.` : "The previous secret no longer signs.",
        ].join("\n"),
      };
    };
  },
};

const test: Command = {
  path: ["endpoint", "test"],
  summary: "Send a webhook.test event to an endpoint.",
  options: endpointOption,
  prepare(values) {
    const endpointId = required(values, "endpoint");
    return async (context) => {
      const sent = await runUseCase(() => sendTestEvent(useCases(context), { endpointId }));
      return { json: sent, text: `Test event ${sent.event_id} queued for ${endpointId} (see: endpoint attempts --endpoint ${endpointId}).` };
    };
  },
};

const attempts: Command = {
  path: ["endpoint", "attempts"],
  summary: "The delivery log of an endpoint: every attempt (time, event, status code, latency, error) and its messages.",
  options: {
    ...endpointOption,
    since: { value: "TIME", description: "only attempts at or after this ISO 8601 time" },
    status: { value: "pending|delivered|failed", description: "only messages of this status" },
    limit: { value: "N", description: "at most N rows of each (default 50, max 1000)" },
  },
  prepare(values) {
    const endpointId = required(values, "endpoint");
    const since = values.since === undefined ? undefined : time(values, "since");
    const status = values.status as "pending" | "delivered" | "failed" | undefined;
    if (status !== undefined && !["pending", "delivered", "failed"].includes(status)) throw new UsageError("--status must be pending, delivered or failed");
    const limit = optionalInteger(values, "limit", 1);
    return async (context) => {
      const log = await runUseCase(() => deliveryLog(useCases(context), { endpointId, since, status, limit }));
      return {
        json: log,
        text:
          log.attempts
            .map((a) => `${a.at}  ${a.event_type}  ${a.event_id}  #${a.attempt}  ${a.status_code ?? "-"}  ${a.latency_ms} ms  ${a.error ?? "ok"}  (${a.message_id})`)
            .join("\n") || "No attempts.",
      };
    };
  },
};

const resendCommand: Command = {
  path: ["endpoint", "resend"],
  summary: "Send one message again now (the same webhook-id, so receivers dedupe).",
  options: { message: { value: "ID", description: "message id (msg_…, from endpoint attempts)", required: true } },
  prepare(values) {
    const messageId = required(values, "message");
    return async (context) => {
      const resent = await runUseCase(() => resend(useCases(context), { messageId }));
      return { json: resent, text: `Message ${messageId} will be sent again now.` };
    };
  },
};

const recover: Command = {
  path: ["endpoint", "recover"],
  summary: "Send again every failed message of an endpoint created since a time.",
  options: { ...endpointOption, since: { value: "TIME", description: "ISO 8601 time, e.g. 2026-11-30T12:00:00Z", required: true } },
  prepare(values) {
    const endpointId = required(values, "endpoint");
    const since = time(values, "since");
    return async (context) => {
      const recovered = await runUseCase(() => recoverFailed(useCases(context), { endpointId, since }));
      return { json: recovered, text: `${recovered.recovered} failed message(s) of ${endpointId} will be sent again.` };
    };
  },
};

export const endpointCommands: Command[] = [create, listCommand, update, disable, rotate, test, attempts, resendCommand, recover];
