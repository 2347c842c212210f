import { defineConfig } from "prisma/config";

// DATABASE_URL is read with a fallback: `env()` would make `prisma generate` fail when it is unset.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: {
    url: process.env.DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/inbound_calls",
  },
});
