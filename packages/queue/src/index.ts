export * from "./redis";
export * from "./queues";
export * from "./org-epoch";
export * from "./org-change-notifier";
export * from "./request-log";
export * from "./with-timeout";
