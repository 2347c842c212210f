export * from "./call-status";
export * from "./errors";
export * from "./webhook-schemas";
export * from "./validate-webhook";
export * from "./phone";
export * from "./ids";
export * from "./rest-schemas";
export * from "./openapi";
