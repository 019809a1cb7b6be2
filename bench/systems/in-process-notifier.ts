import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig, NotifierConfig } from '@app/config';
import { createNotifierApp, listenOn } from '../../apps/notifier/src/notifier-app';

export interface InProcessNotifier {
  app: NestExpressApplication;
  config: NotifierConfig;
  port: number;
}

/**
 * The service in the bench's own process, on a random port of 127.0.0.1, for the standalone
 * measurements that need no load generator: its JWT secret is made up for the run.
 */
export async function startInProcess(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<InProcessNotifier> {
  const config = loadConfig({ LOG_LEVEL: 'error', ...env });
  const app = await createNotifierApp(config, databaseUrl);
  await listenOn(app, 0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, config, port };
}
