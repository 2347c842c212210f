export { createIngressApp, WEBHOOK_ROUTE } from "./app";
export type { IngressDeps } from "./deps";
export { listen, type RunningServer } from "./server";
