// Lays out the files of one runtime image, after `pnpm install` and `pnpm build`:
//   node scripts/assemble-image.js <ingress|dialer|dashboard|migrate|webhooks> <empty dir> [build root]
// (build root: where `node scripts/build.js [root]` wrote the bundles; default the repository.)
// <dir> gets the bundle(s) and a flat node_modules holding only their production dependencies, at the
// lockfile's versions. The Dockerfile copies <dir> to /app as is; scripts/image.test.ts runs the same
// layout without Docker.
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { pruneDeploy } = require("./prune-deploy");

const ROOT = path.resolve(__dirname, "..");

/**
 * package: whose production dependencies to deploy; bundles: build outputs (from the build root) and
 * files (from the repository), each with its path in the image.
 */
const TARGETS = {
  ingress: { package: "@inbound/ingress", bundles: { "services/ingress/dist": "dist" }, files: {} },
  dialer: { package: "@inbound/dialer", bundles: { "services/dialer/dist": "dist" }, files: {} },
  // dist/ holds the bundle and its assets/; htmx.org and chart.js (served from node_modules) are dependencies.
  dashboard: { package: "@inbound/dashboard", bundles: { "services/dashboard/dist": "dist" }, files: {} },
  webhooks: { package: "@inbound/webhooks-worker", bundles: { "services/webhooks/dist": "dist" }, files: {} },
  // The migration CLI keeps its depth (packages/db/dist/migrate/ like src/migrate/), so its default
  // migrations folder ../../../../prisma/migrations resolves in the image too. The admin CLI rides along:
  // its dependencies include the migration's.
  migrate: {
    package: "@inbound/admin",
    bundles: { "packages/db/dist": "packages/db/dist", "services/admin/dist": "services/admin/dist" },
    files: { "prisma/migrations": "prisma/migrations" },
  },
};

function main() {
  const [name, outDir, buildRoot = ROOT] = process.argv.slice(2);
  const target = TARGETS[name];
  if (!target || !outDir) throw new Error(`usage: node scripts/assemble-image.js <${Object.keys(TARGETS).join("|")}> <dir>`);
  const out = path.resolve(outDir);
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0) throw new Error(`${out} is not empty`);

  const copies = [
    ...Object.entries(target.bundles).map(([from, to]) => [path.resolve(buildRoot, from), to]),
    ...Object.entries(target.files).map(([from, to]) => [path.join(ROOT, from), to]),
  ];
  for (const [from] of copies) {
    if (!fs.existsSync(from)) throw new Error(`${from} is missing: run pnpm build first`);
  }

  // inject-workspace-packages for this deploy only: it makes pnpm deploy use the workspace lockfile (the
  // --legacy deploy would resolve versions afresh). hoisted: one flat node_modules, where the bundle's
  // require() calls find every package from /app/dist.
  const deployDir = path.join(out, ".deploy");
  try {
    execFileSync(
      "pnpm",
      [
        "deploy",
        "--prod",
        "--offline",
        "--reporter=append-only",
        "--config.inject-workspace-packages=true",
        "--config.node-linker=hoisted",
        `--filter=${target.package}`,
        deployDir,
      ],
      { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] },
    );
    const summary = pruneDeploy(deployDir);
    fs.renameSync(path.join(deployDir, "node_modules"), path.join(out, "node_modules"));
    for (const [from, to] of copies) fs.cpSync(from, path.join(out, to), { recursive: true });
    process.stdout.write(`assemble-image: ${name} in ${out} (${target.package} dependencies: ${summary})\n`);
  } finally {
    fs.rmSync(deployDir, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  process.stderr.write(`assemble-image: ${error.message}\n`);
  process.exit(1);
}
