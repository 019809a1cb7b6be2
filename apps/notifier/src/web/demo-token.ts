import { JwtService } from '@nestjs/jwt';
import type { JwtVerification } from '@app/config';

/** Injection token: whether `POST /dev/demo-token` exists (outside production, with HS256). */
export const DEMO_TOKENS_ENABLED = Symbol('DEMO_TOKENS_ENABLED');

/** The user of `npm start`'s banner, so that its SQL insert shows up on the page. */
export const DEMO_USER = 'demo-user';

export function demoTokensPossible(production: boolean, jwt: JwtVerification): boolean {
  return !production && jwt.algorithms[0] === 'HS256';
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
