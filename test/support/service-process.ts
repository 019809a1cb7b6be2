import { NotifierProcess } from './notifier-process';
import { TEST_ADMIN_TOKEN, TEST_JWT_SECRET } from './tokens';

/** One instance of the service as `npm start` runs it, on a fixed port of a shared database. */
export class ServiceInstance {
  private constructor(
    readonly process: NotifierProcess,
    readonly baseUrl: string,
  ) {}

  /** Starts it and waits until it listens. */
  static async start(
    databaseUrl: string,
    port: number,
    env: Record<string, string> = {},
  ): Promise<ServiceInstance> {
    const child = NotifierProcess.start({
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      JWT_SECRET: TEST_JWT_SECRET,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      LOG_LEVEL: 'info',
      SHUTDOWN_DRAIN_MS: '0',
      ...env,
    });
    await child.waitForOutput(/Notifier is listening on/);
    return new ServiceInstance(child, `http://127.0.0.1:${port}`);
  }

  /** Whether it has logged winning the ingest lead more often than losing it. */
  get believesItLeads(): boolean {
    const output = this.process.stdout;
    return count(output, 'Leading ingestion') > count(output, 'Lost the ingest lead');
  }
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}
