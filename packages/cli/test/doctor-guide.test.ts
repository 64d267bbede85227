// The troubleshooting guide and the doctor's findings stay in step: every finding id has a section there, and every
// finding says the cause, how to confirm it and the fix.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_ATTEMPTS, fleetRecognised } from '../src/doctor/attempts';
import { EXPLANATIONS, type FindingId, finding } from '../src/doctor/findings';

const guide = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'troubleshooting-client-not-registered.md'),
  'utf8',
);
const headings = [...guide.matchAll(/^### (.+)$/gm)].flatMap(([, heading = '']) =>
  heading
    .replace(/\(info\)/, '')
    .split(',')
    .map((id) => id.trim()),
);
const ids = Object.keys(EXPLANATIONS) as FindingId[];

describe('doctor findings and the troubleshooting guide', () => {
  it.each(ids)('%s has a section in the guide', (id) => {
    expect(headings).toContain(id);
  });

  it.each(ids)('%s names a cause, how to confirm it and a fix', (id) => {
    const { cause, confirm, fix } = finding(id, 'seen');
    expect([cause.length > 20, confirm.length > 20, fix.length > 20]).toEqual([true, true, true]);
  });

  it('puts the detected framework fix first', () => {
    const fixes = finding('client-not-registered-intermittent', 'seen', 'oidc-provider').frameworkFixes;
    expect(fixes[0]?.framework).toBe('oidc-provider');
    expect(fixes.map((fix) => fix.framework).sort()).toEqual([
      'better-auth',
      'fastmcp',
      'fastmcp-python',
      'mcp-sdk',
      'oidc-provider',
    ]);
  });
});

describe('the default number of authorization requests', () => {
  // Chance that all requests miss the instance that registered the client behind a random balancer.
  const allMiss = (instances: number, attempts: number) => ((instances - 1) / instances) ** attempts;

  it('recognises per-instance storage in a 2 to 6 instance fleet with at least 99.5 % probability', () => {
    for (const instances of [2, 3, 4, 5, 6]) expect(allMiss(instances, DEFAULT_ATTEMPTS)).toBeLessThan(0.005);
    expect(fleetRecognised(DEFAULT_ATTEMPTS)).toBe(7);
  });

  it('states the same numbers in the guide and the warning', () => {
    expect(guide).toContain('The default, 30, recognises a fleet of up to 7 instances with 99 % probability');
    expect(allMiss(6, 30)).toBeCloseTo(0.0042, 4);
    expect(fleetRecognised(10)).toBe(2);
    expect(fleetRecognised(1)).toBe(1);
  });
});
