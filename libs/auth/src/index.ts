export { AdminAuthGuard } from './admin-auth.guard';
export { AuthModule } from './auth.module';
export { CurrentUser, UserAuthGuard } from './user-auth.guard';
export { isValidUserId } from './user-id';
