import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { AdminAuthGuard } from './admin-auth.guard';
import { UserAuthGuard } from './user-auth.guard';

@Global()
@Module({
  imports: [JwtModule.register({})],
  providers: [UserAuthGuard, AdminAuthGuard],
  exports: [UserAuthGuard, AdminAuthGuard, JwtModule],
})
export class AuthModule {}
