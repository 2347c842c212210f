import { showCall } from "@inbound/db";
import { required } from "../args";
import type { Command } from "../command";

const show: Command = {
  path: ["call", "show"],
  summary: "Show a call: its status, the time of each stage and its event log (contact number masked).",
  options: { call: { value: "ID", description: "call id (call_…)", required: true } },
  prepare(values) {
    const callId = required(values, "call");
    return async ({ prisma }) => {
      const call = await showCall(prisma, callId);
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

export const callCommands: Command[] = [show];
