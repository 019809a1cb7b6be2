import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../libs/persistence/src/data-source-options';
import { MIGRATIONS } from '.';

/** For the TypeORM CLI (`npm run migration:run`); the service migrates by itself at start-up. */
const url = process.env.DATABASE_URL;
if (!url) {
  throw new Error('DATABASE_URL must be set for the migration CLI (the service migrates itself)');
}

export default new DataSource(dataSourceOptions(url, MIGRATIONS, 'notifier-migrations'));
