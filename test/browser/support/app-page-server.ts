import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { build } from 'esbuild';

const ROOT = resolve(__dirname, '../../..');
const APP = resolve(__dirname, '../notifications-app/app.ts');

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>Notifications (React)</title>
<div id="root"></div>
<script type="module" src="/app.js"></script>
`;

/**
 * notifications-app bundled by esbuild as a front end's build would: `@notifier/client` from
 * the packed package installed in `installedFolder`, React from the repository's devDependencies
 * (one copy for both, found through nodePaths).
 */
export async function bundleApp(installedFolder: string): Promise<string> {
  const result = await build({
    entryPoints: [APP],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    // The app's tsconfig maps @notifier/client to the source for type-checking: not here.
    tsconfigRaw: {},
    nodePaths: [resolve(installedFolder, 'node_modules'), resolve(ROOT, 'node_modules')],
    define: { 'process.env.NODE_ENV': '"development"' },
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

/** Serves the app's page and bundle on an origin of its own, as a front end is served. */
export class AppPageServer {
  private constructor(private readonly server: Server) {}

  static async start(bundle: string): Promise<AppPageServer> {
    const server = createServer((request, response) => {
      if (request.url === '/app.js') {
        response.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' }).end(bundle);
      } else {
        response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE);
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new AppPageServer(server);
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
