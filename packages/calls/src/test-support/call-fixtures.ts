import { ApiError, type CallStatus, newId } from "@inbound/contracts";
import { createAgent, createOrganization, createQueuedCalls, type Database, transitionCall } from "@inbound/db";
import { createLogger, type Logger } from "@inbound/logging";
import { createQueues, enqueueCall, type Queues } from "@inbound/queue";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import type { CallUseCaseDeps } from "../call-use-case";

const PATHS: Partial<Record<CallStatus, CallStatus[]>> = {
  dialing: ["dialing"],
  in_progress: ["dialing", "ringing", "in_progress"],
  completed: ["dialing", "ringing", "in_progress", "completed"],
  busy: ["dialing", "ringing", "busy"],
  canceled: ["canceled"],
};

/** An organisation with credits and an agent. */
export async function testOrg(db: Database, credits = 10): Promise<{ orgId: string; agentId: string }> {
  const { org_id: orgId } = await createOrganization(db.prisma, { name: "Acme", credits, dailyQuota: 100 });
  const { agent_id: agentId } = await createAgent(db.prisma, { orgId, name: "Bot" });
  return { orgId, agentId };
}

/**
 * A call created by the ingress's own statement (credit reserved) with its job, then moved along the state
 * machine to `status` the way the dialer would (an engagement recorded when asked).
 */
export async function testCall(
  db: Database,
  queues: Queues,
  org: { orgId: string; agentId: string },
  status: CallStatus = "queued",
  options: { engagement?: boolean } = {},
): Promise<string> {
  const callId = newId("call");
  const [created] = await createQueuedCalls(db.pool, [
    { callId, ...org, contactNumber: "+14155552671", contactName: "Asha Rao", cost: 1 },
  ]);
  if (created?.outcome !== "created") throw new Error(`call not created: ${created?.outcome}`);
  await enqueueCall(queues, { callId, orgId: org.orgId });
  let from: CallStatus = "queued";
  for (const to of PATHS[status] ?? []) {
    const moved = await transitionCall(db.prisma, {
      callId,
      from,
      to,
      providerCallId: to === "dialing" ? `sim_${callId}` : undefined,
    });
    if (!moved.moved) throw new Error(`could not move ${callId} to ${to}`);
    from = to;
  }
  if (options.engagement) {
    await db.prisma.engagement.create({ data: { callId, transcript: "Hello Asha", recording: undefined, durationSeconds: 42 } });
  }
  return callId;
}

/** The use cases' dependencies over a suite's database and queues; `logs` collects what they logged. */
export function useCaseDeps(db: Database, queues: CallUseCaseDeps["queues"]): { deps: CallUseCaseDeps; logs: string[] } {
  const logs: string[] = [];
  const logger: Logger = createLogger({ level: "info", name: "calls-test" }, { write: (line: string) => void logs.push(line) });
  return { deps: { sql: db.pool, queues, logger, config: { REDIS_TIMEOUT_MS: 500, PURGE_MAX_ATTEMPTS: 5 } }, logs };
}

/** A test file's own database and Redis namespace with the call queues, opened before its tests and closed after. */
export function callSuite(): { readonly suite: SuiteEnv; readonly queues: Queues } {
  let suite: SuiteEnv | undefined;
  let queues: Queues | undefined;
  beforeAll(async () => {
    suite = await createSuiteEnv();
    queues = createQueues(suite.redis, suite.prefix);
  });
  afterAll(async () => {
    await queues?.close();
    await suite?.close();
  });
  return {
    get suite() {
      return suite as SuiteEnv;
    },
    get queues() {
      return queues as Queues;
    },
  };
}

/** The ApiError a use case threw: its HTTP status and its error body (code, message, field, the call's status). */
export async function refusal(work: Promise<unknown>): Promise<Record<string, unknown>> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(error)}`);
  return { http: error.status, ...(error.toBody().error as unknown as Record<string, unknown>) };
}
