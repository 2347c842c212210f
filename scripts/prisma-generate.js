// Runs `prisma generate` on every install. The Prisma CLI wants to download its schema engine even
// though generation does not use it; pointing PRISMA_SCHEMA_ENGINE_BINARY anywhere stops that.
const { execFileSync } = require("node:child_process");
const path = require("node:path");

const cli = path.join(__dirname, "..", "node_modules", "prisma", "build", "index.js");
execFileSync(process.execPath, [cli, "generate"], {
  stdio: "inherit",
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? "/bin/true",
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
  },
});
