import { randomBytes } from 'node:crypto';

/** A user id no other test uses, so tests sharing a database never see each other's rows. */
export const uniqueUser = (name = 'user') => `${name}-${randomBytes(4).toString('hex')}`;
