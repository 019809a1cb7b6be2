import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { useNotifier } from './support/notifier-fixture';

const ROOT = resolve(__dirname, '..');

/**
 * The OpenAPI document is committed (apps/notifier/openapi.json) and the client's types
 * (libs/client/src/openapi-schema.ts) are generated from it: an API change that was not
 * exported with `npm run openapi` and committed fails here, in CI.
 */
describe('the committed OpenAPI document', () => {
  const { notifier } = useNotifier();

  it('is the document the service serves at /docs-json', async () => {
    const served = await notifier.http('GET', '/docs-json');
    expect(served.status).toBe(200);
    const committed = readFileSync(resolve(ROOT, 'apps/notifier/openapi.json'), 'utf8');
    expect(JSON.parse(committed)).toEqual(served.body);
  });

  it('and the client’s types are what `npm run openapi` writes today', () => {
    // A process of its own: openapi-typescript loads ES modules that Jest cannot.
    const check = spawnSync(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        'apps/notifier/src/openapi-export.ts',
        '--check',
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
