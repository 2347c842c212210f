import type { Config } from "@inbound/config";
import type { Database } from "@inbound/db";
import type { Logger } from "@inbound/logging";
import type { OrgChangeNotifier, Queues } from "@inbound/queue";
import type { Redis } from "ioredis";

/** Everything the dashboard talks to, built once in main.ts (or by a test) and passed in. */
export interface DashboardDeps {
  config: Config;
  db: Database;
  /** Sessions, sign-in throttling, request log and quota reads. */
  redis: Redis;
  /** The call queues: cancel removes a job, delete enqueues a purge (as the webhook's actions do). */
  queues: Queues;
  /** Token and signing changes go through the same notifier as the admin CLI (Redis first, commit, epoch). */
  orgChanges: Pick<OrgChangeNotifier, "apply" | "revoke">;
  logger: Logger;
  clock?: () => number;
}
