// Wire-level FAKES of services that have no emulator that runs offline (secret managers, Cloud Storage, DynamoDB failure modes).
// Tests start them directly (they are not backends in the registry). Each follows its service's documented wire
// protocol and is named a fake everywhere.

export * from './aws-secrets-manager';
export * from './azure-key-vault';
export * from './dynamodb-errors';
export * from './gcp-secret-manager';
export * from './gcs';
export * from './vault';
