export { awsSecretsManagerKeySource } from './aws-secrets-manager-key-source';
export type { AwsSecretsManagerKeySourceOptions } from './options';
