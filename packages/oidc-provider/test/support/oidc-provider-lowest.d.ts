// The `oidc-provider-lowest` devDependency (an npm alias of oidc-provider@9.0.0) has no types of its own, as
// oidc-provider has none: it gets @types/oidc-provider's, which every 9.x shares.
declare module 'oidc-provider-lowest' {
  export * from 'oidc-provider';
  export { default } from 'oidc-provider';
}
