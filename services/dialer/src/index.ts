export { createDialer, createDialerFromDeps, type Dialer, type DialerDeps, type DialerOptions } from "./create-dialer";
export { buildDialerDeps } from "./deps";
export type { DialerContext } from "./context";
export { createDialerMetrics } from "./metrics";
export * from "./telephony/provider";
export { SimulatedProvider, simulatedBehaviour } from "./telephony/simulated-provider";
export { dialCall } from "./use-cases/dial-call";
export { purgeCall } from "./use-cases/purge-call";
export { createReconciler } from "./use-cases/reconcile";
