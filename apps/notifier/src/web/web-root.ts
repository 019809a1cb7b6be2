import { resolve } from 'node:path';

/**
 * The built page and client (`npm run build:web`): dist/web of the working directory, which
 * is the repository in development and tests, and /app in the container image.
 */
export const WEB_ROOT = resolve(process.cwd(), 'dist/web');
