// Placeholder for root scripts whose package has not been built yet; says so plainly and fails.
const what = process.argv[2];
console.error(`\`pnpm ${what}\` is not built yet: see the open issues.`);
process.exit(1);
