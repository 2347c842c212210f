import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Queue } from "bullmq";
import type { Router } from "express";

export const QUEUE_BOARD_PATH = "/admin/queues";

/**
 * Bull Board over the dialer's queues, to mount at QUEUE_BOARD_PATH behind requireAdminKey. Read-only:
 * a person can see every job (ids, states, attempts, error codes: job data never holds PII), but pausing,
 * emptying or obliterating a queue from a browser would strand calls, so those actions are refused (405).
 */
export function createQueueBoard(queues: readonly Queue[]): Router {
  const serverAdapter = new ExpressAdapter().setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: queues.map(
      (queue) =>
        new BullMQAdapter(queue, {
          readOnlyMode: true,
          allowRetries: false,
          description: `Redis keys under ${queue.opts.prefix ?? "bull"}:${queue.name}`,
        }),
    ),
    serverAdapter,
    options: { uiConfig: { boardTitle: "Dialer queues", hideDocsLink: true } },
  });
  return serverAdapter.getRouter() as Router;
}
