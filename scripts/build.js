// `pnpm build`: bundles each runnable entry point into one CommonJS file with esbuild. The workspace
// packages (@inbound/*, TypeScript sources) and the generated Prisma client are bundled in; npm packages
// stay external, resolved at run time from the node_modules that `pnpm deploy --prod` installs beside them.
//   node scripts/build.js [output root]   (default: the repository; outputs keep their relative paths)
const { cp, rm } = require("node:fs/promises");
const { existsSync } = require("node:fs");
const path = require("node:path");
const esbuild = require("esbuild");

const ROOT = path.resolve(__dirname, "..");

const BUNDLES = [
  { entry: "services/ingress/src/main.ts", outfile: "services/ingress/dist/main.js" },
  { entry: "services/dialer/src/main.ts", outfile: "services/dialer/dist/main.js" },
  { entry: "services/admin/src/main.ts", outfile: "services/admin/dist/main.js" },
  // The dashboard serves its CSS and scripts from __dirname/assets: copied beside the bundle. (htmx and
  // Chart.js are npm dependencies, resolved from node_modules at run time like every external package.)
  {
    entry: "services/dashboard/src/main.ts",
    outfile: "services/dashboard/dist/main.js",
    assets: "services/dashboard/src/assets",
  },
  { entry: "services/webhooks/src/main.ts", outfile: "services/webhooks/dist/main.js" },
  // Kept at the same depth as src/migrate/, so migrate.ts's default ../../../../prisma/migrations
  // resolves to the repository's (or the image's) prisma/migrations from the bundle too.
  { entry: "packages/db/src/migrate/cli.ts", outfile: "packages/db/dist/migrate/cli.js" },
];

/** Bare imports are npm packages (external) unless they name a workspace package. */
const externalNpmPackages = {
  name: "external-npm-packages",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("@inbound/")) return undefined;
      return { path: args.path, external: true };
    });
  },
};

async function main() {
  const outRoot = path.resolve(process.argv[2] ?? ROOT);
  const missing = BUNDLES.filter((b) => !existsSync(path.join(ROOT, b.entry)));
  if (missing.length > 0) {
    throw new Error(`entry point(s) missing: ${missing.map((b) => b.entry).join(", ")}`);
  }
  for (const bundle of BUNDLES) {
    await rm(path.join(outRoot, path.dirname(bundle.outfile)), { recursive: true, force: true });
  }
  await Promise.all(
    BUNDLES.map((bundle) =>
      esbuild.build({
        absWorkingDir: ROOT,
        entryPoints: [bundle.entry],
        outfile: path.join(outRoot, bundle.outfile),
        bundle: true,
        platform: "node",
        target: "node24",
        format: "cjs",
        sourcemap: true,
        keepNames: true,
        tsconfig: "tsconfig.json",
        plugins: [externalNpmPackages],
        logLevel: "warning",
      }),
    ),
  );
  for (const bundle of BUNDLES.filter((b) => b.assets)) {
    await cp(path.join(ROOT, bundle.assets), path.join(outRoot, path.dirname(bundle.outfile), "assets"), { recursive: true });
  }
  for (const bundle of BUNDLES) {
    process.stdout.write(`build: ${bundle.entry} -> ${path.relative(process.cwd(), path.join(outRoot, bundle.outfile))}\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`build: ${error.message}\n`);
  process.exit(1);
});
