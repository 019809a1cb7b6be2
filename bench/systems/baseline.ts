import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { JwtService } from '@nestjs/jwt';
import ts from 'typescript';
import type { BenchPostgres, StatementStats } from '../postgres';
import { rssKiB, stopChild, waitForHttp } from './processes';
import type { SystemUnderTest } from './system';

const ROOT = resolve(__dirname, '../..');
const SOURCE = resolve(__dirname, '../baseline/server.ts');
const DATABASE = 'baseline_bench';

/** bench/baseline/server.ts, transpiled to plain JS so its RSS holds no TypeScript compiler. */
export class BaselineSystem implements SystemUnderTest {
  readonly name = 'baseline';
  private child?: ChildProcess;
  private url = '';
  private readonly secret = randomBytes(32).toString('hex');
  private readonly jwt = new JwtService({ secret: this.secret });

  constructor(
    readonly port: number,
    private readonly postgres: BenchPostgres,
    private readonly workDir: string,
  ) {}

  async start(): Promise<void> {
    this.url = await this.postgres.database(DATABASE);
    const script = await this.transpile();
    this.child = spawn(process.execPath, [script], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        NODE_PATH: resolve(ROOT, 'node_modules'),
        DATABASE_URL: this.url,
        JWT_SECRET: this.secret,
        PORT: String(this.port),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    await waitForHttp(this.port, '/health');
  }

  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child);
  }

  stream(user: string): { path: string; headerLines: string } {
    const token = this.jwt.sign({ sub: user }, { expiresIn: '2h' });
    return { path: '/events', headerLines: `Authorization: Bearer ${token}\r\n` };
  }

  producer() {
    return { kind: 'sql' as const, url: this.url, insert: 'baseline' as const };
  }

  memoryKiB(): Promise<number> {
    return rssKiB(this.child!.pid!);
  }

  /** A committed INSERT is readable at once. */
  settled(): Promise<void> {
    return Promise.resolve();
  }

  sqlStatements(): Promise<StatementStats> {
    return this.postgres.statements(DATABASE);
  }

  version(): Promise<string> {
    return Promise.resolve(`Express + pg LISTEN (bench/baseline), Node ${process.version}`);
  }

  private async transpile(): Promise<string> {
    const { outputText } = ts.transpileModule(await readFile(SOURCE, 'utf8'), {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    });
    await mkdir(this.workDir, { recursive: true });
    const script = resolve(this.workDir, 'baseline-server.js');
    await writeFile(script, outputText);
    return script;
  }
}
