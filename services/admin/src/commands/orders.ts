import {
  addOptOutUseCase,
  listOptOutsUseCase,
  OPT_OUT_LIST_LIMIT_MAX,
  type OrdersDeps,
  type PolicyInput,
  removeOptOutUseCase,
  setOrgPolicy,
  showOrgPolicy,
  systemClock,
} from "@inbound/orders";
import { optionalInteger, required, UsageError } from "../args";
import { runUseCase } from "../run-use-case";
import type { Command, CommandContext, OptionValues } from "../command";

/**
 * `pnpm admin org policy …` and `pnpm admin optout …`: call orders (SPEC §9), through @inbound/orders' use
 * cases (the REST API's and the dashboard's own).
 */
const deps = (context: CommandContext): OrdersDeps => ({ sql: context.prisma, clock: systemClock });


function onOff(values: OptionValues, name: string): boolean | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (value === "on") return true;
  if (value === "off") return false;
  throw new UsageError(`--${name} must be on or off`);
}

function policyText(policy: Record<string, unknown>): string {
  const hours = policy.calling_hours as { start: string; end: string };
  return [
    `Call-order policy of ${policy.org_id}`,
    `  calling hours:        ${hours.start}–${hours.end} in the recipient's time zone(s), guard ${policy.calling_hours_guard ? "on" : "OFF"}${policy.calling_hours_guard_changed_at ? ` (changed ${policy.calling_hours_guard_changed_at})` : ""}`,
    `  concurrent calls:     ${policy.concurrent_calls_in_use} in use of ${policy.max_concurrent_calls}`,
    `  dedupe window:        ${policy.dedupe_window_minutes ? `${policy.dedupe_window_minutes} minutes` : "off"}`,
    `  default redial:       ${policy.default_retry ? JSON.stringify(policy.default_retry) : "none"}`,
  ].join("\n");
}

const policyShow: Command = {
  path: ["org", "policy", "show"],
  summary: "Show an organisation's call-order policy: calling hours and guard, concurrency, dedupe window, default redial.",
  options: { org: { value: "ID", description: "organisation id (org_…)", required: true } },
  prepare(values) {
    const orgId = required(values, "org");
    return async (context) => {
      const policy = await runUseCase(() => showOrgPolicy(deps(context), orgId));
      return { json: policy, text: policyText(policy) };
    };
  },
};

const policySet: Command = {
  path: ["org", "policy", "set"],
  summary: "Change an organisation's call-order policy (only the options given change).",
  options: {
    org: { value: "ID", description: "organisation id (org_…)", required: true },
    "calling-hours": { value: "HH:MM-HH:MM", description: "local calling hours, e.g. 08:00-21:00 (default)" },
    "calling-hours-guard": { value: "on|off", description: "apply calling hours (on by default; the choice is recorded)" },
    "max-concurrent-calls": { value: "N", description: "live calls at once (default 10)" },
    "dedupe-window-minutes": { value: "N", description: "refuse a second call to a number within N minutes (0 = off, default)" },
    "retry-on": { value: "LIST|none", description: "default redial outcomes: no_answer,busy,voicemail; none = never redial" },
    "retry-max-attempts": { value: "N", description: "default attempts in all, 1–5 (with --retry-on)" },
    "retry-backoff-minutes": { value: "LIST", description: "minutes before each redial, e.g. 10,60 (with --retry-on)" },
  },
  prepare(values) {
    const orgId = required(values, "org");
    const input: PolicyInput = {};
    const hours = values["calling-hours"];
    if (hours !== undefined) {
      const match = /^(\d{2}:\d{2})-(\d{2}:\d{2})$/.exec(hours);
      if (!match) throw new UsageError("--calling-hours must be HH:MM-HH:MM, e.g. 08:00-21:00");
      input.calling_hours = { start: match[1] as string, end: match[2] as string };
    }
    const guard = onOff(values, "calling-hours-guard");
    if (guard !== undefined) input.calling_hours_guard = guard;
    const max = optionalInteger(values, "max-concurrent-calls", 1);
    if (max !== undefined) input.max_concurrent_calls = max;
    const dedupe = optionalInteger(values, "dedupe-window-minutes", 0);
    if (dedupe !== undefined) input.dedupe_window_minutes = dedupe;
    const on = values["retry-on"];
    if (on === "none") input.default_retry = null;
    else if (on !== undefined) {
      const backoff = values["retry-backoff-minutes"];
      input.default_retry = {
        on: on.split(",").map((s) => s.trim()),
        max_attempts: optionalInteger(values, "retry-max-attempts", 1) ?? 2,
        backoff_minutes: backoff === undefined ? [] : backoff.split(",").map((s) => Number(s.trim())),
      };
    } else if (values["retry-max-attempts"] !== undefined || values["retry-backoff-minutes"] !== undefined) {
      throw new UsageError("--retry-max-attempts and --retry-backoff-minutes need --retry-on");
    }
    if (Object.keys(input).length === 0) throw new UsageError("give at least one setting to change");
    return async (context) => {
      const policy = await runUseCase(() => setOrgPolicy(deps(context), orgId, input));
      return { json: policy, text: policyText(policy) };
    };
  },
};

const optOutAdd: Command = {
  path: ["optout", "add"],
  summary: "Put a number on an organisation's do-not-call list; cancels its scheduled and queued calls, and those waiting for a retry, at once.",
  options: {
    org: { value: "ID", description: "organisation id (org_…)", required: true },
    number: { value: "E164", description: "the number, with its country code", required: true },
  },
  prepare(values) {
    const orgId = required(values, "org");
    const number = required(values, "number");
    return async (context) => {
      const result = await runUseCase(() => addOptOutUseCase(deps(context), { orgId, number, source: "cli" }));
      return {
        json: result,
        text: `${result.added ? "Added" : "Already listed:"} ${result.number}; ${result.canceled_calls} pending call(s) canceled.`,
      };
    };
  },
};

const optOutRemove: Command = {
  path: ["optout", "remove"],
  summary: "Take a number off an organisation's do-not-call list.",
  options: {
    org: { value: "ID", description: "organisation id (org_…)", required: true },
    number: { value: "E164", description: "the number, with its country code", required: true },
  },
  prepare(values) {
    const orgId = required(values, "org");
    const number = required(values, "number");
    return async (context) => {
      const result = await runUseCase(() => removeOptOutUseCase(deps(context), { orgId, number }));
      return { json: result, text: `Removed ${result.number} from the do-not-call list.` };
    };
  },
};

const optOutList: Command = {
  path: ["optout", "list"],
  summary: "List an organisation's do-not-call numbers (by number, a page at a time).",
  options: {
    org: { value: "ID", description: "organisation id (org_…)", required: true },
    limit: { value: "N", description: `numbers per page, 1–${OPT_OUT_LIST_LIMIT_MAX} (default 50)` },
    after: { value: "E164", description: "the next_cursor of the previous page" },
  },
  prepare(values) {
    const orgId = required(values, "org");
    const limit = optionalInteger(values, "limit", 1);
    if (limit !== undefined && limit > OPT_OUT_LIST_LIMIT_MAX)
      throw new UsageError(`--limit must be at most ${OPT_OUT_LIST_LIMIT_MAX}`);
    return async (context) => {
      const page = await runUseCase(() => listOptOutsUseCase(deps(context), { orgId, limit, startingAfter: values.after ?? null }));
      return {
        json: { org_id: orgId, ...page },
        text: [
          `${page.data.length} number(s) on the do-not-call list of ${orgId}${page.has_more ? ` (more after ${page.next_cursor})` : ""}`,
          ...page.data.map((o) => `  ${o.number}  ${o.source}  ${o.created_at}`),
        ].join("\n"),
      };
    };
  },
};

export const orderCommands: Command[] = [policyShow, policySet];
export const optOutCommands: Command[] = [optOutAdd, optOutRemove, optOutList];
