import { Global, Module } from '@nestjs/common';
import { JwtModule, JwtModuleOptions } from '@nestjs/jwt';
import { createPublicKey, createSecretKey } from 'node:crypto';
import { JwtVerification, NotifierConfig } from '@app/config';
import { AdminAuthGuard } from './admin-auth.guard';
import { UserAuthGuard } from './user-auth.guard';

/**
 * The verification key is parsed once: given a string, jsonwebtoken first tries to read it as
 * a PEM public key on every verify, which cost a quarter of the CPU in a reconnect storm.
 */
function jwtOptions({ key, algorithms, issuer, audience }: JwtVerification): JwtModuleOptions {
  const keyObject =
    algorithms[0] === 'HS256' ? createSecretKey(Buffer.from(key)) : createPublicKey(key);
  return {
    secret: keyObject,
    verifyOptions: {
      algorithms,
      ...(issuer === undefined ? {} : { issuer }),
      ...(audience === undefined ? {} : { audience }),
    },
  };
}

@Global()
@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [NotifierConfig],
      useFactory: (config: NotifierConfig) => jwtOptions(config.jwt),
    }),
  ],
  providers: [UserAuthGuard, AdminAuthGuard],
  exports: [UserAuthGuard, AdminAuthGuard, JwtModule],
})
export class AuthModule {}
