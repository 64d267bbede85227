// The peer range is ^5 || ^6 || ^7; the other tests run the devDependency (6.x). This file points the peer at 5.0.0,
// the lowest version of the range, installed under an npm alias: the way a 5.0 user runs the adapter. The mapping
// swaps one real SDK for another; nothing is stubbed.
import { jest } from '@jest/globals';
import { describeSdkPaths } from './support/sdk-paths';

jest.unstable_mockModule('@google-cloud/secret-manager', () => import('@google-cloud/secret-manager-v5'));

describeSdkPaths('@google-cloud/secret-manager-v5', /^5\.0\.0$/);
