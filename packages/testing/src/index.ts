export * from "./suite";
export * from "./processes";
export * from "./urls";
export * from "./net-and-sql";
export * from "./tcp-proxy";
export * from "./local-servers";
