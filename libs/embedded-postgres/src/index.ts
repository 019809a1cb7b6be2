export { startEmbeddedPostgres } from './embedded-postgres';
export type { EmbeddedDatabase, EmbeddedPostgresOptions } from './embedded-postgres';
