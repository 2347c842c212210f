// After `pnpm deploy --prod --config.node-linker=hoisted <dir>`: removes from <dir>/node_modules every
// package that the deployed package's production dependencies cannot reach. pnpm deploy also installs
// @prisma/client's *optional* peers (the Prisma CLI and TypeScript, with their own trees: ~270 MB)
// because the workspace resolves them; nothing needs them at run time. The workspace packages themselves
// (@inbound/*) are bundled into dist/, so they go too. Used by scripts/assemble-image.js.
const fs = require("node:fs");
const path = require("node:path");

function readManifest(dir) {
  return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
}

/** Node's lookup from a package directory: its own node_modules, then each parent's. */
function resolvePackage(fromDir, name, root) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name);
    if (fs.existsSync(path.join(candidate, "package.json"))) return fs.realpathSync(candidate);
    if (dir === root || dir === path.dirname(dir)) return undefined;
  }
}

/** Runtime edges: dependencies, optional dependencies and the peers that are not optional. */
function runtimeDependencies(manifest) {
  const optionalPeers = new Set(
    Object.entries(manifest.peerDependenciesMeta ?? {})
      .filter(([, meta]) => meta?.optional)
      .map(([name]) => name),
  );
  const peers = Object.keys(manifest.peerDependencies ?? {}).filter((name) => !optionalPeers.has(name));
  return [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.optionalDependencies ?? {}), ...peers];
}

function reachable(root) {
  const keep = new Set();
  const queue = [root];
  while (queue.length > 0) {
    const dir = queue.pop();
    for (const name of runtimeDependencies(readManifest(dir))) {
      const found = resolvePackage(dir, name, root);
      // Missing optional dependencies (another platform's binary) are expected.
      if (!found || keep.has(found)) continue;
      keep.add(found);
      queue.push(found);
    }
  }
  return keep;
}

function topLevelPackages(nodeModules) {
  const dirs = [];
  for (const entry of fs.readdirSync(nodeModules)) {
    if (entry.startsWith(".")) continue;
    const full = path.join(nodeModules, entry);
    if (entry.startsWith("@")) {
      for (const scoped of fs.readdirSync(full)) dirs.push(path.join(full, scoped));
    } else dirs.push(full);
  }
  return dirs;
}

/**
 * The bundle resolves npm packages from the top level, so a version that pnpm nested under a workspace
 * package (two packages pinning different versions) is not the one loaded at run time: say so.
 */
function warnAboutNestedVersions(workspaceDir, nodeModules) {
  const nested = path.join(workspaceDir, "node_modules");
  if (!fs.existsSync(nested)) return;
  for (const dir of topLevelPackages(nested)) {
    const name = path.relative(nested, dir);
    const top = path.join(nodeModules, name);
    const loaded = fs.existsSync(path.join(top, "package.json")) ? readManifest(top).version : "none";
    process.stderr.write(
      `prune-deploy: warning: ${path.relative(nodeModules, workspaceDir)} pins ${name}@${readManifest(dir).version}, ` +
        `the bundle loads ${name}@${loaded}; align the versions in the workspace\n`,
    );
  }
}

/**
 * @prisma/client ships a query compiler (WASM, base64) for every database: keep only the schema's
 * (the generated client loads runtime/query_compiler_*_bg.<provider>.*), which halves node_modules.
 */
function pruneOtherPrismaProviders(nodeModules) {
  const runtime = path.join(nodeModules, "@prisma", "client", "runtime");
  if (!fs.existsSync(runtime)) return;
  const schema = fs.readFileSync(path.join(__dirname, "..", "prisma", "schema.prisma"), "utf8");
  const provider = /datasource\s+\w+\s*\{[^}]*provider\s*=\s*"(\w+)"/.exec(schema)?.[1];
  if (!provider) throw new Error("prune-deploy: no datasource provider found in prisma/schema.prisma");
  for (const file of fs.readdirSync(runtime)) {
    const match = /^query_compiler_\w+_bg\.(\w+)\./.exec(file);
    if (match && match[1] !== provider) fs.rmSync(path.join(runtime, file));
  }
}

/** Returns a one-line summary of what was kept and removed. */
function pruneDeploy(target) {
  const root = fs.realpathSync(target);
  const nodeModules = path.join(root, "node_modules");
  const keep = reachable(root);
  let removed = 0;
  for (const dir of topLevelPackages(nodeModules)) {
    const real = fs.realpathSync(dir);
    const workspacePackage = path.relative(nodeModules, dir).startsWith("@inbound");
    if (workspacePackage) warnAboutNestedVersions(dir, nodeModules);
    if (keep.has(real) && !workspacePackage) continue;
    fs.rmSync(dir, { recursive: true, force: true });
    removed++;
  }
  for (const entry of fs.readdirSync(nodeModules)) {
    const full = path.join(nodeModules, entry);
    if (entry.startsWith("@") && fs.readdirSync(full).length === 0) fs.rmdirSync(full);
  }
  fs.rmSync(path.join(nodeModules, ".bin"), { recursive: true, force: true });
  pruneOtherPrismaProviders(nodeModules);
  return `kept ${keep.size} package(s), removed ${removed}`;
}

module.exports = { pruneDeploy };
