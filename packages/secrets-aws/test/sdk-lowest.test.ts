// The peer range is ^3.600.0; the other tests run the newest 3.x in the lockfile (the devDependency). This file points
// the peer at the lowest version of the range, installed under an npm alias: the way a 3.600 user runs the adapter.
// The mapping swaps one real SDK for another; nothing is stubbed.
import { jest } from '@jest/globals';
import { describeSdkPaths } from './support/sdk-paths';

jest.unstable_mockModule('@aws-sdk/client-secrets-manager', () => import('@aws-sdk/client-secrets-manager-lowest'));

describeSdkPaths('@aws-sdk/client-secrets-manager-lowest', /^3\.600\.0$/);
