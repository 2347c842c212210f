export * from "./suite";
export * from "./processes";
export * from "./urls";
