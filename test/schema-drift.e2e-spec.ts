import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@app/persistence';
import { createTestDatabase, TestDatabase } from './support/test-database';

describe('the entities and the migrations', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await new DataSource(dataSourceOptions(database.url)).initialize();
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  it('describe the same schema: syncing the entities onto the migrated database changes nothing', async () => {
    const { upQueries } = await dataSource.driver.createSchemaBuilder().log();
    expect(upQueries.map((query) => query.query)).toEqual([]);
  });
});
