import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { loadConfig } from '@app/config';
import { AppModule } from './app.module';
import { ErrorBodyDto } from './errors/error-body.dto';
import { withEventsPath } from './stream/events-openapi';

/** The OpenAPI document: UI at /docs, JSON at /docs-json. */
export function mountOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => openApiDocument(app));
}

function openApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Notifier')
    .setDescription(
      'Rows inserted into PostgreSQL become per-user Server-Sent Events. Producers write ' +
        '`notification_outbox` with SQL; front ends subscribe to `/users/me/events`; admins use `/admin`. ' +
        'Every error answers `{statusCode, error, message}`.',
    )
    .setVersion('1')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'User JWT; sub = user id',
      },
      'user',
    )
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' }, 'admin')
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ErrorBodyDto] });
  return withEventsPath(document);
}

/**
 * The same document without a database or a port: Nest's preview mode registers every module
 * and route but instantiates nothing, so no connection is opened. With the development
 * defaults, where every optional part (Web Push) is on.
 */
export async function offlineOpenApiDocument(): Promise<OpenAPIObject> {
  const unused = 'postgres://unused@127.0.0.1:1/unused';
  const app = await NestFactory.create(AppModule.forRoot(loadConfig({}), unused), {
    preview: true,
    logger: false,
  });
  try {
    return openApiDocument(app);
  } finally {
    await app.close();
  }
}
