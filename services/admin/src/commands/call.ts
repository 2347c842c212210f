import { type CallRequest, type CallUseCaseDeps, cancelCall, deleteCall } from "@inbound/calls";
import { showCall } from "@inbound/db";
import { presentOrder } from "@inbound/orders";
import { required } from "../args";
import type { Command, OptionValues } from "../command";

const show: Command = {
  path: ["call", "show"],
  summary: "Show a call: its status, the time of each stage and its event log (contact number masked).",
  options: { call: { value: "ID", description: "call id (call_…)", required: true } },
  prepare(values) {
    const callId = required(values, "call");
    return async ({ prisma }) => {
      const { order, ...shown } = await showCall(prisma, callId);
      const orderView = presentOrder(order);
      const call = { ...shown, ...orderView };
      const time = (at: Date | null) => (at ? at.toISOString() : "-");
      const lines = [
        `Call ${call.call_id}: ${call.status}${call.end_reason ? ` (${call.end_reason})` : ""}`,
        `  organization ${call.org_id}, agent ${call.agent_id}, contact ${call.contact_number ?? "(erased)"}`,
        `  attempts ${call.attempts}, credits reserved ${call.credits_reserved}, provider call ${call.provider_call_id ?? "-"}`,
        "Timestamps:",
        ...Object.entries(call.timestamps).map(([name, at]) => `  ${name.padEnd(12)} ${time(at)}`),
        "Events:",
        ...call.events.map((e) => `  ${time(e.at)}  ${e.from ?? "-"} -> ${e.to}${e.detail ? `  ${e.detail}` : ""}`),
      ];
      const schedule = orderView.schedule;
      lines.push(
        "Order:",
        `  window ${schedule.not_before ?? "-"} .. ${schedule.not_after ?? "-"}, due ${schedule.due_at ?? "-"}, ` +
          `calling hours ${schedule.calling_hours ? `${schedule.calling_hours.start}-${schedule.calling_hours.end}` : "any"} in ${schedule.time_zones.join(", ") || "-"}`,
        `  retry ${orderView.retry ? JSON.stringify(orderView.retry) : "none"}`,
        ...orderView.window_decisions.map(
          (d) => `  ${d.at}  ${d.decision}${d.reason ? ` (${d.reason})` : ""}${d.until ? ` until ${d.until}` : ""}`,
        ),
        ...orderView.dial_attempts.map(
          (a) => `  attempt ${a.attempt}: ${a.outcome ?? "running"} ${a.started_at} .. ${a.ended_at ?? "-"}`,
        ),
      );
      if (call.engagement) lines.push(`Engagement: ${call.engagement.duration_seconds} s`);
      if (call.deletion) {
        lines.push(
          `Deleted: requested ${time(call.deletion.requested_at)}, erased ${time(call.deletion.database_erased_at)}, ` +
            `provider purged ${time(call.deletion.provider_purged_at)}`,
        );
      }
      return { json: call, text: lines.join("\n") };
    };
  },
};

const callOptions = {
  org: { value: "ID", description: "the call's organization (org_…); another organization's call is not found", required: true },
  call: { value: "ID", description: "call id (call_…)", required: true },
};

const request = (values: OptionValues): CallRequest => ({
  orgId: required(values, "org"),
  callId: required(values, "call"),
  by: "admin CLI",
  field: "call_id",
});

/**
 * A command running one of @inbound/calls' use cases (the webhook's, REST's and the dashboard's own) on the
 * call of --org; a refusal is one `admin:` line with the use case's message and code (exit 1).
 */
function callUseCaseCommand<T extends { callId: string; message: string }>(
  name: string,
  summary: string,
  useCase: (deps: CallUseCaseDeps, request: CallRequest) => Promise<T>,
  present: (done: T) => Record<string, unknown>,
): Command {
  return {
    path: ["call", name],
    summary,
    options: callOptions,
    prepare(values) {
      const req = request(values);
      return async (context) => {
        const { deps, warnings } = context.calls();
        const done = await useCase(deps, req);
        return {
          json: { call_id: done.callId, ...present(done), message: done.message },
          text: `${done.message} (${done.callId})`,
          warning: warnings.join("; ") || undefined,
        };
      };
    },
  };
}

const cancel = callUseCaseCommand(
  "cancel",
  "Cancel a queued call (its credit comes back); any other status is refused with the status.",
  cancelCall,
  (done) => ({ status: done.status }),
);

const del = callUseCaseCommand(
  "delete",
  "Delete a finished call that connected: erase its contact data here and at the provider.",
  deleteCall,
  () => ({ deleted: true }),
);

export const callCommands: Command[] = [show, cancel, del];
