export * from "./endpoints";
export * from "./delivery-queries";
export { outboxCtes } from "./outbox-sql";
