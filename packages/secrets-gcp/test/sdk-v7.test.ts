// The peer range is ^5 || ^6 || ^7; the other tests run the devDependency (6.x). This file points the peer at the
// newest major, 7, installed under an npm alias. @google-cloud/secret-manager 7 declares Node >= 22, so this file runs
// only there. The mapping swaps one real SDK for another; nothing is stubbed.
import { describe, it, jest } from '@jest/globals';
import { describeSdkPaths } from './support/sdk-paths';

jest.unstable_mockModule('@google-cloud/secret-manager', () => import('@google-cloud/secret-manager-v7'));

if (Number(process.versions.node.split('.')[0]) >= 22)
  describeSdkPaths('@google-cloud/secret-manager-v7', /^7\.\d+\.\d+$/);
else
  describe.skip(`@google-cloud/secret-manager 7 (needs Node >= 22, this is ${process.versions.node})`, () => {
    it('runs on Node >= 22', () => undefined);
  });
