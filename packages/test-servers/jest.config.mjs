import { jestProject } from '../../scripts/jest-preset.mjs';

// test/containers/ needs a Docker engine and Node >= 22.22 (testcontainers 12): it runs in the testcontainers CI leg
// (scripts/ci-testcontainers.sh), which sets OAUTH_STORE_TEST_WAY=testcontainers, and not in the default run.
const containerLeg = process.env.OAUTH_STORE_TEST_WAY === 'testcontainers';

export default jestProject(import.meta.url, {
  testPathIgnorePatterns: ['/node_modules/', ...(containerLeg ? [] : ['<rootDir>/test/containers/'])],
});
