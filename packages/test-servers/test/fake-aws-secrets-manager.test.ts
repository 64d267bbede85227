import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type FakeSecretsManager, startFakeSecretsManager } from '../src/fakes';

// Checks the Secrets Manager FAKE's awsJson1_1 wire format with plain HTTP, as AWS's API reference describes it.

let fake: FakeSecretsManager;
beforeAll(async () => {
  fake = await startFakeSecretsManager({ accessKeyId: 'AKIDTEST' });
});
afterAll(async () => {
  await fake?.close();
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function call(body: unknown, accessKeyId = 'AKIDTEST'): Promise<Answer> {
  const response = await fetch(`${fake.endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'secretsmanager.GetSecretValue',
      authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20250101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=00`,
    },
    body: JSON.stringify(body),
  });
  expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('Secrets Manager fake', () => {
  it('returns AWSCURRENT by default, AWSPREVIOUS after a put, and SecretBinary as base64', async () => {
    const v1 = fake.putSecretValue('wire/one', { secretString: 'first' });
    const v2 = fake.putSecretValue('wire/one', { secretBinary: Buffer.from([1, 2, 3]) });
    const current = await call({ SecretId: 'wire/one' });
    expect(current.status).toBe(200);
    expect(current.body).toMatchObject({
      Name: 'wire/one',
      VersionId: v2,
      SecretBinary: 'AQID',
      VersionStages: ['AWSCURRENT'],
    });
    expect(typeof current.body.CreatedDate).toBe('number');
    expect(String(current.body.ARN)).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:wire\/one-/);
    const previous = await call({ SecretId: 'wire/one', VersionStage: 'AWSPREVIOUS' });
    expect(previous.body).toMatchObject({ VersionId: v1, SecretString: 'first', VersionStages: ['AWSPREVIOUS'] });
    const byArn = await call({ SecretId: current.body.ARN, VersionId: v1 });
    expect(byArn.body.SecretString).toBe('first');
  });

  it('rotate() moves AWSCURRENT to AWSPREVIOUS and drops the older AWSPREVIOUS label', async () => {
    fake.putSecretValue('wire/two', { secretString: 'a' });
    const b = fake.putSecretValue('wire/two', { secretString: 'b' });
    const c = fake.rotate('wire/two', { secretString: 'c' });
    expect((await call({ SecretId: 'wire/two' })).body.VersionId).toBe(c);
    expect((await call({ SecretId: 'wire/two', VersionStage: 'AWSPREVIOUS' })).body.VersionId).toBe(b);
  });

  it('answers 400 with __type for missing secrets, missing stages, denied and unknown callers', async () => {
    expect(await call({ SecretId: 'wire/none' })).toEqual({
      status: 400,
      body: { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." },
    });
    fake.putSecretValue('wire/three', { secretString: 'x' });
    const noPrevious = await call({ SecretId: 'wire/three', VersionStage: 'AWSPREVIOUS' });
    expect(noPrevious.status).toBe(400);
    expect(noPrevious.body.__type).toBe('ResourceNotFoundException');
    fake.addAccessKey('AKIDNARROW', { secrets: ['wire/other'] });
    const denied = await call({ SecretId: 'wire/three' }, 'AKIDNARROW');
    expect(denied.status).toBe(400);
    expect(denied.body.__type).toBe('AccessDeniedException');
    expect((await call({ SecretId: 'wire/three' }, 'AKIDWHO')).body.__type).toBe('UnrecognizedClientException');
    fake.scheduleDeletion('wire/three');
    expect((await call({ SecretId: 'wire/three' })).body.__type).toBe('InvalidRequestException');
  });

  it('counts every request', async () => {
    const before = fake.requests.length;
    await call({ SecretId: 'wire/none' });
    expect(fake.requests.length - before).toBe(1);
    expect(fake.requests.at(-1)).toEqual({
      target: 'secretsmanager.GetSecretValue',
      body: { SecretId: 'wire/none' },
      accessKeyId: 'AKIDTEST',
    });
  });
});
