// `pnpm lint`: every peer dependency range of a published package is tested where users land in it.
// - The lowest version the range admits is installed in the workspace (a devDependency, usually an alias such as
//   `pg-lowest: npm:pg@8.11.0`), so a test can run it; the range's newest is the plain devDependency, kept current by
//   updating the lockfile (this script cannot see the registry: it makes no network calls).
// - Every `||` alternative (each major) has an installed version inside it.
// - A peer named by several packages (an adapter and the CLI) has one range everywhere.
// It also writes docs/supported-versions.md from the same data (`--write`); without `--write` it fails when that page
// is out of date, so the table users read is the one this check enforces.
//
//   node scripts/check-peer-versions.mjs [--write]
//
// Which test runs which version is said in each package's README; this script checks only that the versions exist
// in the workspace. Peers listed in UNTESTED_LOWEST are reported in the page as such, never silently passed.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';

const root = process.cwd();
const packagesDir = join(root, 'packages');
const docPath = join(root, 'docs', 'supported-versions.md');

/**
 * Peers whose lowest version may be left untested, each with the reason printed in docs/supported-versions.md (a
 * known gap, never a silent pass). Empty: every range's lowest version runs in some package's tests.
 * @type {Record<string, string>}
 */
const UNTESTED_LOWEST = {};

/** What a user of part of a range should know, shown in the page's notes column (details in the package README). */
const NOTES = {
  '@better-auth/core':
    "below 1.6.17, better-auth's own rate limiter reads and writes its count without `increment`, so concurrent requests across instances can pass the limit (sessions are shared either way)",
  '@google-cloud/storage':
    'the floor is 7.17.1: older 7.x clients do not keep `useAuthWithCustomEndpoint`, and writes to a custom endpoint went without credentials',
  '@electric-sql/pglite': 'bounded below 0.7.0: PGlite 0.x minor releases may break',
};

const manifests = readdirSync(packagesDir)
  .filter((folder) => existsSync(join(packagesDir, folder, 'package.json')))
  .map((folder) => ({ folder, manifest: JSON.parse(readFileSync(join(packagesDir, folder, 'package.json'), 'utf8')) }));

/** name -> [{ version, where }]: what the workspace installed, aliases resolved to the real package name. */
const installed = new Map();
for (const { folder, manifest } of manifests) {
  for (const [key, spec] of Object.entries({ ...manifest.dependencies, ...manifest.devDependencies })) {
    if (spec.startsWith('workspace:')) continue;
    const name = spec.startsWith('npm:') ? spec.slice(4, spec.lastIndexOf('@')) : key;
    const manifestPath = join(packagesDir, folder, 'node_modules', key, 'package.json');
    if (!existsSync(manifestPath)) continue; // not installed (run pnpm install first): reported below as missing
    const { version } = JSON.parse(readFileSync(manifestPath, 'utf8'));
    const list = installed.get(name) ?? [];
    if (!list.some((entry) => entry.version === version && entry.where === folder))
      list.push({ version, where: folder });
    installed.set(name, list);
  }
}

/** name -> { range, packages[] } for every published package's non-workspace peers. */
const peers = new Map();
const problems = [];
for (const { manifest } of manifests) {
  if (manifest.private) continue;
  for (const [name, range] of Object.entries(manifest.peerDependencies ?? {})) {
    if (name.startsWith('@oauth-store/')) continue;
    const seen = peers.get(name);
    if (seen && seen.range !== range) {
      problems.push(
        `${name}: ${manifest.name} declares "${range}" but ${seen.packages.join(', ')} declare "${seen.range}"; one peer has one range everywhere`,
      );
    }
    if (seen) seen.packages.push(manifest.name);
    else peers.set(name, { range, packages: [manifest.name] });
  }
}

const rows = [];
for (const [name, { range, packages }] of [...peers].sort(([a], [b]) => a.localeCompare(b))) {
  const versions = (installed.get(name) ?? []).map((entry) => entry.version);
  const inRange = [
    ...new Set(versions.filter((version) => semver.satisfies(version, range, { includePrerelease: true }))),
  ].sort(semver.compare);
  const lowest = semver.minVersion(range)?.version;
  const untested = UNTESTED_LOWEST[name];
  const lowestInstalled = lowest !== undefined && inRange.includes(lowest);
  if (!lowestInstalled && !untested) {
    problems.push(
      `${name} "${range}" (${packages.join(', ')}): its lowest version ${lowest} is not installed anywhere in the workspace (installed: ${[...new Set(versions)].join(', ') || 'none'}). Add a devDependency alias such as "${name}-lowest": "npm:${name}@${lowest}" and a test that runs it, or raise the range's floor to a version that is tested.`,
    );
  }
  for (const alternative of range.split('||').map((part) => part.trim())) {
    if (!inRange.some((version) => semver.satisfies(version, alternative, { includePrerelease: true }))) {
      problems.push(
        `${name}: no installed version satisfies "${alternative}" of "${range}", so that part of the range is never tested.`,
      );
    }
  }
  rows.push(
    `| \`${name}\` | \`${range.replaceAll('|', '\\|')}\` | ${packages.map((pkg) => `\`${pkg.replace('@oauth-store/', '')}\``).join(', ')} | ${inRange.join(', ') || 'none'} | ${[untested ? `lowest NOT tested: ${untested}` : 'lowest and every major installed', NOTES[name]].filter(Boolean).join('; ')} |`,
  );
}

const doc = `# Supported versions

Generated by \`node scripts/check-peer-versions.mjs --write\`; \`pnpm lint\` fails when this page or a package's peer
ranges disagree with what the workspace installs.

The supported Node.js lines are 22 and 24 (the current LTS lines; \`engines\` is \`>=22\`). CI runs the whole test
suite on each.

Every backend SDK is a peer dependency: you choose its version. For each range below the workspace installs its lowest
version (usually as an alias such as \`pg-lowest\`) and the newest release available when the lockfile was last
updated, and the package's tests run both (each package's README names the test files). "Versions installed" are the
versions in the lockfile that fall inside the range. The newest release of an SDK can be newer than the last lockfile
update: that is a version the range admits but CI has not run.

| peer | range | packages | versions installed (tested) | notes |
|---|---|---|---|---|
${rows.join('\n')}
`;

if (process.argv.includes('--write')) {
  writeFileSync(docPath, doc);
  console.log(`wrote ${docPath.slice(root.length + 1)}`);
} else if (!existsSync(docPath) || readFileSync(docPath, 'utf8') !== doc) {
  problems.push('docs/supported-versions.md is out of date: run node scripts/check-peer-versions.mjs --write');
}

if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(
  `peer versions: ${rows.length} peer ranges, each lowest version and every major installed or listed as untested`,
);
