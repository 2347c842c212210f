export * from "./call-status";
export * from "./errors";
export * from "./webhook-schemas";
export * from "./validate-webhook";
export * from "./ids";
export * from "./webhook-events";
export * from "./provider-event";
export * from "./twilio-status";
