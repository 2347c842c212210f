export * from "./database";
export * from "./unavailable";
export * from "./migrate/migrate";
export * from "./admin/organizations";
export * from "./admin/show-call";
export { Prisma } from "./generated/prisma/client";
export type { CallStatus as DbCallStatus } from "./generated/prisma/client";
export * from "./calls/transition-call";
