export * from "./ssrf-guard";
export * from "./post-event";
export * from "./webhook-body";
export * from "./metrics";
export * from "./deliver-message";
export * from "./sweeper";
export * from "./create-webhook-worker";
export * from "./endpoint-use-cases";
