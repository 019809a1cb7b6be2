import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** The OpenAPI document: UI at /docs, JSON at /docs-json. */
export function mountOpenApi(app: INestApplication): void {
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
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config));
}
