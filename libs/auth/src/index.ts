export { AdminAuthGuard } from './admin-auth.guard';
export { AuthModule } from './auth.module';
export { CurrentUser, SignedIn, UserAuthGuard } from './user-auth.guard';
export type { SignedInUser } from './user-auth.guard';
export { isValidUserId, USER_ID_RULE } from './user-id';
