export * from "./redis";
export * from "./queues";
