import { loadConfig } from "@inbound/config";
import { migrate } from "./migrate";

async function main(): Promise<void> {
  const config = loadConfig();
  const result = await migrate(config.DATABASE_URL, config.MIGRATIONS_DIR);
  const summary = result.applied.length
    ? `applied ${result.applied.length} migration(s): ${result.applied.join(", ")}`
    : `database is up to date (${result.alreadyApplied.length} migration(s) applied)`;
  process.stdout.write(`db:migrate: ${summary}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`db:migrate: ${error.message || String(error)}\n`);
  process.exit(1);
});
