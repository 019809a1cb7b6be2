import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';

/** For the TypeORM CLI (`npm run migration:run`); the service migrates by itself at start-up. */
const url = process.env.DATABASE_URL;
if (!url) {
  throw new Error('DATABASE_URL must be set for the migration CLI (the service migrates itself)');
}

export default new DataSource(dataSourceOptions(url, { applicationName: 'notifier-migrations' }));
