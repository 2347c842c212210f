import { defineConfig } from "@playwright/test";

/**
 * Browser journeys against real ingress, dialer and dashboard processes on real Postgres and Redis
 * (global-setup.ts starts them). Debian's Chromium by default (CHROMIUM_PATH to use another; unset it and run
 * `npx playwright install chromium` to use Playwright's own). One worker: the machine is shared.
 */
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: ".",
  testMatch: "*.spec.ts",
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 20_000 },
  reporter: [["list"], ["json", { outputFile: process.env.E2E_JSON_REPORT ?? ".results/results.json" }]],
  globalSetup: "./global-setup.ts",
  outputDir: ".results/artifacts",
  use: {
    launchOptions: executablePath === "bundled" ? {} : { executablePath },
    trace: "retain-on-failure",
  },
});
