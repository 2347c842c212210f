import type { CallStatus } from "@inbound/contracts";
import { type Database, transitionCall } from "@inbound/db";

const PATHS: Record<string, CallStatus[]> = {
  queued: ["queued"],
  dialing: ["queued", "dialing"],
  ringing: ["queued", "dialing", "ringing"],
  in_progress: ["queued", "dialing", "ringing", "in_progress"],
  completed: ["queued", "dialing", "ringing", "in_progress", "completed"],
  no_answer: ["queued", "dialing", "ringing", "no_answer"],
  busy: ["queued", "dialing", "ringing", "busy"],
  failed: ["queued", "dialing", "failed"],
  canceled: ["queued", "canceled"],
};

/** Moves a queued call along the state machine the way the dialer would, recording an engagement if asked. */
export async function advanceCall(
  db: Database,
  callId: string,
  to: CallStatus,
  options: { engagement?: boolean; providerCallId?: string } = {},
): Promise<void> {
  const path = PATHS[to] ?? [];
  for (let i = 1; i < path.length; i++) {
    const result = await transitionCall(db.prisma, {
      callId,
      from: path[i - 1] as CallStatus,
      to: path[i] as CallStatus,
      providerCallId: path[i] === "dialing" ? (options.providerCallId ?? `sim_${callId}`) : undefined,
    });
    if (!result.moved) throw new Error(`could not move ${callId} to ${path[i]}`);
  }
  if (options.engagement) {
    await db.prisma.engagement.create({
      data: {
        callId,
        transcript: "Agent: Hello Asha, this is about your order.",
        recording: { url: "https://provider.example/rec/1.mp3", seconds: 42 },
        durationSeconds: 42,
      },
    });
  }
}
