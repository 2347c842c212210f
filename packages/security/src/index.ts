export * from "./tokens";
export * from "./secret-box";
export * from "./signature";
export * from "./standard-webhooks";
export * from "./passwords";
