export { ACCESS_TOKEN_PARAMETER } from './access-token';
export { AdminAuthGuard } from './admin-auth.guard';
export { AuthModule } from './auth.module';
export { signedInUser } from './signed-in-user';
export type { SignedInUser } from './signed-in-user';
export { CurrentUser, UserAuthGuard } from './user-auth.guard';
export { isValidUserId, USER_ID_RULE } from './user-id';
