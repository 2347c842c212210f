import { createQueues, type Queues } from "@inbound/queue";
import { createSuiteEnv, type ServiceProcess, startProcess, type SuiteEnv } from "@inbound/testing";
import { createBody, send, type HttpResponse } from "../test-support/harness";

/**
 * Real ingress and dialer processes against the suite's Postgres and Redis, for the fault matrix: each
 * fault file starts what it needs (possibly through a TCP proxy), breaks something, and asserts what a
 * customer sees. Timings are short so a call completes in well under a second.
 */
export interface FaultEnv {
  suite: SuiteEnv;
  queues: Queues;
  ingress(env?: Record<string, string>): Promise<{ proc: ServiceProcess; url: string }>;
  dialer(env?: Record<string, string>): Promise<ServiceProcess>;
  close(): Promise<void>;
}

export const FAST_CALLS = { SIM_RING_MS: "50", SIM_TALK_MS: "100", SIM_NO_ANSWER_MS: "100" };

export async function createFaultEnv(): Promise<FaultEnv> {
  const suite = await createSuiteEnv();
  const queues = createQueues(suite.redis, suite.prefix);
  const started: ServiceProcess[] = [];
  return {
    suite,
    queues,
    async ingress(env = {}) {
      const proc = startProcess("services/ingress/src/main.ts", { ...suite.env, LOG_LEVEL: "info", INGRESS_PORT: "0", ...env });
      started.push(proc);
      const line = await proc.waitFor(/listening on (\d+)/, 60_000);
      return { proc, url: `http://127.0.0.1:${/listening on (\d+)/.exec(line)?.[1]}` };
    },
    async dialer(env = {}) {
      const proc = startProcess("services/dialer/src/main.ts", {
        ...suite.env,
        LOG_LEVEL: "info",
        DIALER_PORT: "0",
        ...FAST_CALLS,
        ...env,
      });
      started.push(proc);
      await proc.waitFor(/"msg":"dialer ready"/, 60_000);
      return proc;
    },
    async close() {
      await Promise.all(started.map((p) => p.stop("SIGKILL")));
      await queues.close();
      await suite.close();
    },
  };
}

/** POST call.create to a real ingress. */
export function create(url: string, token: string, agentId: string, data: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<HttpResponse> {
  return send(url, `/v1/hooks/${token}`, { body: createBody(agentId, data), headers });
}

/** Dials placed at the (simulated) provider for a call: the number a person would have been called. */
export function dialsOf(env: FaultEnv, callId: string): Promise<number> {
  return env.suite.db.prisma.simulatedProviderCall.count({ where: { callId } });
}

export async function creditsOf(env: FaultEnv, orgId: string): Promise<number> {
  return (await env.suite.db.prisma.organization.findUniqueOrThrow({ where: { id: orgId } })).credits;
}
