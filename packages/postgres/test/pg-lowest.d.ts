// pg 8.11.0, installed under the npm alias `pg-lowest` (see pg-lowest.test.ts), ships no types of its own; @types/pg
// (the devDependency) describes the pg 8 API the store uses, which 8.11.0 already has.
declare module 'pg-lowest' {
  export * from 'pg';
  export { default } from 'pg';
}
