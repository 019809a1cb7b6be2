import { JwtService } from '@nestjs/jwt';
import type { JwtVerification, NotifierConfig } from '@app/config';

/** Injection token: whether `POST /dev/demo-token` exists (see demoTokensOffered). */
export const DEMO_TOKENS_ENABLED = Symbol('DEMO_TOKENS_ENABLED');

/** The user of `npm start`'s banner, so that its SQL insert shows up on the page. */
export const DEMO_USER = 'demo-user';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Only with a JWT secret made up for this run (so never in production) and a loopback bind:
 * then a demo token opens nothing that anyone else's tokens open, and only this machine can ask
 * for one. With a configured secret it would hand anyone who reaches the port a real token.
 */
export function demoTokensOffered({ generatedSecrets, http }: NotifierConfig): boolean {
  return generatedSecrets.includes('JWT_SECRET') && LOOPBACK_HOSTS.has(http.host);
}

/** A day's token for the demo user, signed with the configured HS256 secret. */
export function signDemoToken(jwt: JwtService, { key, issuer, audience }: JwtVerification): string {
  return jwt.sign(
    { sub: DEMO_USER },
    {
      secret: key,
      algorithm: 'HS256',
      expiresIn: '1d',
      ...(issuer === undefined ? {} : { issuer }),
      ...(audience === undefined ? {} : { audience }),
    },
  );
}
