import { JwtService, JwtSignOptions } from '@nestjs/jwt';

/** The HS256 secret every service the tests start is given, unless a test sets its own keys. */
export const TEST_JWT_SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
export const TEST_ADMIN_TOKEN = 'a-test-admin-token-0123456789';

const jwt = new JwtService();

/**
 * A token with exactly the given claims, signed with the test secret (HS256 unless `options`
 * says otherwise): for tests of what the service accepts and refuses.
 */
export function signToken(claims: object, options: JwtSignOptions = {}): string {
  return jwt.sign(claims, { secret: TEST_JWT_SECRET, algorithm: 'HS256', ...options });
}

/** An hour's token of `userId`, as a signed-in client holds. */
export const tokenFor = (userId: string): string => signToken({ sub: userId }, { expiresIn: '1h' });
