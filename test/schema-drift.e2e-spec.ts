import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@app/persistence';
import { MIGRATIONS } from '../migrations';
import { useDatabase } from './support/notifier-fixture';

describe('the entities and the migrations', () => {
  const { database } = useDatabase();

  it('describe the same schema: syncing the entities onto the migrated database changes nothing', async () => {
    const dataSource = await new DataSource(
      dataSourceOptions(database.url, MIGRATIONS),
    ).initialize();
    try {
      const { upQueries } = await dataSource.driver.createSchemaBuilder().log();
      expect(upQueries.map((query) => query.query)).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });
});
