import { JwtService } from '@nestjs/jwt';
import { NotifierConfig } from '@app/config';
import { DEMO_USER, demoTokensOffered, signDemoToken } from './web/demo-token';

export const DEMO_INSERT =
  `INSERT INTO notification_outbox (user_id, type, payload) ` +
  `VALUES ('${DEMO_USER}', 'greeting', jsonb_build_object('text', 'Hello from Postgres'))`;

/**
 * What a developer pastes to see it work: a stream for a demo user and the INSERT that fires it.
 * Printed outside production only, to the terminal rather than to the (token-free) logs.
 */
export function demoBanner(
  config: NotifierConfig,
  jwt: JwtService,
  baseUrl: string,
  database: { url: string; embedded: boolean },
): string {
  const lines = [
    `Notifier is listening on ${baseUrl}`,
    config.generatedSecrets.length > 0
      ? `Development mode: ${config.generatedSecrets.join(' and ')} were generated for this run only.`
      : 'Development mode.',
  ];
  if (config.jwt.algorithms[0] === 'HS256') {
    const token = signDemoToken(jwt, config.jwt);
    lines.push(
      '',
      `1. Open the stream of "${DEMO_USER}":`,
      `   curl -N -H 'Authorization: Bearer ${token}' ${baseUrl}/users/me/events`,
      demoTokensOffered(config)
        ? `   or open the inbox page at ${baseUrl}/ and press "Use a demo token".`
        : `   or open the inbox page at ${baseUrl}/ and paste that token.`,
    );
  }
  lines.push(
    '',
    '2. Notify that user from another terminal, with this SQL:',
    `   ${DEMO_INSERT};`,
    `   for example with psql${database.embedded ? ' against the embedded database' : ''}:`,
    `   psql '${database.url}' -c "${DEMO_INSERT}"`,
    '',
    `Admin token: ${config.adminToken}`,
    '',
  );
  return lines.join('\n');
}
