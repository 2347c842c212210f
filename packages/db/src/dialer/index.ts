export * from "./dial-queries";
export * from "./reconcile-queries";
export * from "./purge-queries";
export * from "./simulated-provider-store";
export * from "./dialer-liveness";
export * from "../provider-events/provider-events";
