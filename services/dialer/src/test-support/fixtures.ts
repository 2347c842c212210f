import { type CallStatus, isTerminal } from "@inbound/contracts";
import { newId } from "@inbound/contracts";
import { createAgent, createOrganization, createQueuedCall, type PrismaClient } from "@inbound/db";
import { createLogger, type Logger } from "@inbound/logging";
import { enqueueCall, type Queues } from "@inbound/queue";
import { eventually, type SuiteEnv } from "@inbound/testing";
import { createCallStore } from "../call-store";
import { type DialerContext, perCallLogger } from "../context";
import { createDialerMetrics } from "../metrics";
import type { TelephonyProvider } from "../telephony/provider";
import { SimulatedProvider } from "../telephony/simulated-provider";
import { createProviderEventPump } from "../use-cases/provider-event-pump";

/** Test numbers of the simulated provider (all valid for libphonenumber). */
export const NUMBERS = {
  noAnswer: "+14155550000",
  busy: "+14155550001",
  fails: "+14155550002",
  transientThenConnects: "+14155550003",
  connects: "+14155552671",
  connectsIndia: "+919876543210",
} as const;

export interface TestOrg {
  orgId: string;
  agentId: string;
}

export async function createTestOrg(prisma: PrismaClient, credits = 1000): Promise<TestOrg> {
  const org = await createOrganization(prisma, { name: "Dialer test org", credits, dailyQuota: 100_000, callingHoursGuard: false });
  const agent = await createAgent(prisma, { orgId: org.org_id, name: "Ava" });
  return { orgId: org.org_id, agentId: agent.agent_id };
}

export interface QueueCallOptions {
  number?: string;
  contactName?: string | null;
  contactEmail?: string | null;
  additionalInfo?: Record<string, unknown> | null;
  requestId?: string;
  /** false: commit the call but do not enqueue its job (a crash between the two). */
  enqueue?: boolean;
}

/** What the ingress does on call.create: the call row with its debit (one statement), then the job. */
export async function queueCall(prisma: PrismaClient, queues: Queues | null, org: TestOrg, options: QueueCallOptions = {}) {
  const callId = newId("call");
  const requestId = options.requestId ?? `req-${callId.slice(5, 15)}`;
  const result = await createQueuedCall(prisma, {
    callId,
    orgId: org.orgId,
    agentId: org.agentId,
    contactNumber: options.number ?? NUMBERS.connects,
    contactName: options.contactName === undefined ? "Priya Sharma" : options.contactName,
    contactEmail: options.contactEmail === undefined ? "priya@example.com" : options.contactEmail,
    additionalInfo: options.additionalInfo === undefined ? { order_id: "A-1042", plan: "gold" } : options.additionalInfo,
    cost: 1,
    requestId,
  });
  if (result.outcome !== "created") throw new Error(`test call not created: ${result.outcome}`);
  if (queues && options.enqueue !== false) await enqueueCall(queues, { callId, orgId: org.orgId });
  return { callId, requestId };
}

export async function callRow(prisma: PrismaClient, callId: string) {
  return prisma.call.findUniqueOrThrow({ where: { id: callId } });
}

export async function callStatus(prisma: PrismaClient, callId: string): Promise<CallStatus> {
  return (await callRow(prisma, callId)).status as CallStatus;
}

/** The event log as a list of "from→to" (the first event has no from). */
export async function eventPath(prisma: PrismaClient, callId: string): Promise<string[]> {
  const events = await prisma.callEvent.findMany({ where: { callId }, orderBy: { id: "asc" } });
  return events.map((e) => `${e.fromStatus ?? ""}→${e.toStatus}`);
}

/** The terminal states in order: queued → … → end, read from the event log. */
export async function statePath(prisma: PrismaClient, callId: string): Promise<CallStatus[]> {
  const events = await prisma.callEvent.findMany({ where: { callId }, orderBy: { id: "asc" } });
  const path: CallStatus[] = [];
  for (const e of events) if (path[path.length - 1] !== e.toStatus) path.push(e.toStatus as CallStatus);
  return path;
}

export async function credits(prisma: PrismaClient, orgId: string): Promise<number> {
  return (await prisma.organization.findUniqueOrThrow({ where: { id: orgId } })).credits;
}

/** Dials the simulated provider placed for a call (each attempt is one row). */
export async function dialsOf(prisma: PrismaClient, callId: string): Promise<number> {
  return prisma.simulatedProviderCall.count({ where: { callId } });
}

export interface CapturedLogger {
  logger: Logger;
  lines(): Record<string, unknown>[];
  text(): string;
}

/** A real pino logger (with the redaction config) writing into memory. */
export function captureLogger(level = "info"): CapturedLogger {
  const chunks: string[] = [];
  const logger = createLogger({ level, name: "dialer" }, { write: (chunk: string) => void chunks.push(chunk) });
  return {
    logger,
    text: () => chunks.join(""),
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** A DialerContext on the suite's database with the simulated provider (or the one given). */
export function testContext(
  suite: SuiteEnv,
  overrides: {
    provider?: TelephonyProvider;
    logger?: Logger;
    maxAttempts?: number;
    backoffMs?: number;
    maxCallMs?: number;
    /** Defaults to a fresh id (no heartbeat: a call it claims looks owned by a dead dialer to others). */
    dialerId?: string;
    deadAfterMs?: number;
  } = {},
): DialerContext {
  const logger = overrides.logger ?? createLogger({ level: "silent", name: "dialer" });
  return {
    sql: suite.db.pool,
    calls: createCallStore(suite.db.pool),
    provider:
      overrides.provider ??
      new SimulatedProvider(suite.db.pool, {
        ringMs: suite.config.SIM_RING_MS,
        talkMs: suite.config.SIM_TALK_MS,
        noAnswerMs: suite.config.SIM_NO_ANSWER_MS,
      }),
    logger,
    callLog: perCallLogger(logger),
    metrics: createDialerMetrics(undefined, { processMetrics: false }),
    dial: {
      maxAttempts: overrides.maxAttempts ?? suite.config.DIAL_MAX_ATTEMPTS,
      backoffMs: overrides.backoffMs ?? suite.config.DIAL_BACKOFF_MS,
      maxCallMs: overrides.maxCallMs ?? suite.config.CALL_MAX_DURATION_MS,
    },
    liveness: {
      dialerId: overrides.dialerId ?? `dlr_test_${newId("sim").slice(4, 14)}`,
      deadAfterMs: overrides.deadAfterMs ?? suite.config.DIALER_DEAD_AFTER_MS,
      following: new Set(),
    },
  };
}

/** eventually() for checks that return a value once ready (null/false until then): resolves to the value. */
export async function until<T>(check: () => Promise<T | null | false>, timeoutMs?: number, intervalMs?: number): Promise<T> {
  return (await eventually(check, timeoutMs, intervalMs)) as T;
}

/**
 * Carries calls on the way a running dialer does, in this test's process: one round of the simulated
 * provider's clock (when ctx has it), then one round of the provider-event pump. Returns the events applied.
 */
export async function providerRound(ctx: DialerContext): Promise<number> {
  if (ctx.provider instanceof SimulatedProvider) await ctx.provider.tick();
  return createProviderEventPump(ctx, { pollMs: 10 }).runOnce();
}

/** Runs provider rounds until the call reaches a terminal state (bounded); resolves to that state. */
export async function runToEnd(
  ctx: DialerContext,
  prisma: PrismaClient,
  callId: string,
  timeoutMs = 10_000,
): Promise<CallStatus> {
  return until(
    async () => {
      await providerRound(ctx);
      const status = await callStatus(prisma, callId);
      return isTerminal(status) && status;
    },
    timeoutMs,
    10,
  );
}
