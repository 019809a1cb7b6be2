import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { NotifierConfig } from '@app/config';
import { AppModule } from './app.module';

/** The whole service, ready to listen: used by `main.ts` and by the end-to-end tests. */
export async function createNotifierApp(
  config: NotifierConfig,
  databaseUrl: string,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, databaseUrl),
    // Open streams would otherwise keep `close()` waiting; they end themselves first.
    { bufferLogs: true, forceCloseConnections: true },
  );
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  return app;
}
