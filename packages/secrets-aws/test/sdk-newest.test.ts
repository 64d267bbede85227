// The same paths as sdk-lowest.test.ts with the devDependency (the newest 3.x in the lockfile), so both ends of the
// peer range run the same checks.
import { describeSdkPaths } from './support/sdk-paths';

describeSdkPaths('@aws-sdk/client-secrets-manager', /^3\.\d+\.\d+$/);
