import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './free-port';
import { createSelfSignedCertificate } from './self-signed-certificate';
import { waitForAsync } from './wait-for';

const REFERENCE_DIR = resolve(__dirname, '../../deploy/nginx');
/** The addresses written in the reference config, replaced by the ones of a test run. */
const REFERENCE_LISTEN = '127.0.0.1:8443';
const REFERENCE_INSTANCES = ['127.0.0.1:3001', '127.0.0.1:3002'];
/** Where the reference config writes its access log, replaced by one in the run dir. */
const REFERENCE_ACCESS_LOG = '/var/log/nginx/notifier.access.log';

/**
 * The reference nginx of deploy/nginx/, run as docs/operators.md says (foreground, a run dir of its
 * own) in front of the given instances, on a free loopback port with a self-signed certificate.
 */
export class NginxEdge {
  stderr = '';
  private exitCode?: number | null;
  private readonly exited: Promise<unknown>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly runDir: string,
    readonly port: number,
  ) {
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = once(child, 'exit').then(([code]) => (this.exitCode = code as number | null));
  }

  /** The certificate is self-signed (for `localhost` and `127.0.0.1`): clients must not verify. */
  originOn(host: 'localhost' | '127.0.0.1' = '127.0.0.1'): string {
    return `https://${host}:${this.port}`;
  }

  /** Starts nginx proxying to the instances on these loopback ports; resolves once it listens. */
  static async start(
    instancePorts: readonly number[],
    { systemAccessLog = false } = {},
  ): Promise<NginxEdge> {
    const runDir = await mkdtemp(join(tmpdir(), 'notifier-nginx-'));
    // Started as root, nginx's workers run as `nobody` and must enter the run dir.
    await chmod(runDir, 0o755);
    const port = await freePort();
    await writeConfig(runDir, port, instancePorts, systemAccessLog);
    await writeSelfSignedCertificate(join(runDir, 'tls'));
    const child = spawn('nginx', ['-p', runDir, '-c', 'nginx.conf', '-e', 'stderr'], {
      // nginx lives in /usr/sbin, which a non-root PATH may lack.
      env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin` },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const spawned = once(child, 'spawn');
    const edge = new NginxEdge(child, runDir, port);
    try {
      await spawned; // rejects when nginx is not installed
      await edge.waitUntilListening();
    } catch (error) {
      child.kill('SIGTERM'); // a no-op when it never started or already exited
      await rm(runDir, { recursive: true, force: true });
      throw error;
    }
    return edge;
  }

  /** Fast shutdown (SIGTERM); the run dir goes with `remove()` (or `stop()` when not kept). */
  async stop({ keepRunDir = false } = {}): Promise<void> {
    if (this.exitCode === undefined) this.child.kill('SIGTERM');
    await this.exited;
    if (!keepRunDir) await this.remove();
  }

  async remove(): Promise<void> {
    await rm(this.runDir, { recursive: true, force: true });
  }

  /** Everything nginx wrote to its access logs (read after `stop()`: they are flushed then). */
  async accessLogs(): Promise<string> {
    const logs = (await readdir(this.runDir)).filter((name) => name.endsWith('.log'));
    const texts = await Promise.all(logs.map((name) => readFile(join(this.runDir, name), 'utf8')));
    return texts.join('');
  }

  private async waitUntilListening(): Promise<void> {
    await waitForAsync(
      async () => this.exitCode !== undefined || (await accepts(this.port)),
      `nginx to listen on ${this.port}`,
    );
    if (this.exitCode !== undefined) {
      throw new Error(`nginx exited with ${this.exitCode}: ${this.stderr}`);
    }
  }
}

/**
 * Copies the reference config, with this run's port, instances and access log instead of the
 * examples. With `systemAccessLog`, the wrapper logs every request in nginx's default format,
 * at the http level, as Debian's /etc/nginx/nginx.conf does around conf.d/.
 */
async function writeConfig(
  runDir: string,
  port: number,
  instancePorts: readonly number[],
  systemAccessLog: boolean,
) {
  if (instancePorts.length !== REFERENCE_INSTANCES.length) {
    throw new Error(`the reference config has ${REFERENCE_INSTANCES.length} instances`);
  }
  let config = await readFile(join(REFERENCE_DIR, 'notifier.conf'), 'utf8');
  config = replaceOnce(config, REFERENCE_LISTEN, `127.0.0.1:${port}`);
  REFERENCE_INSTANCES.forEach((address, index) => {
    config = replaceOnce(config, `server ${address} `, `server 127.0.0.1:${instancePorts[index]} `);
  });
  config = config.replaceAll(REFERENCE_ACCESS_LOG, join(runDir, 'notifier.access.log'));
  await writeFile(join(runDir, 'notifier.conf'), config);
  let wrapper = await readFile(join(REFERENCE_DIR, 'nginx.conf'), 'utf8');
  if (systemAccessLog) {
    wrapper = replaceOnce(wrapper, 'access_log off;', `access_log ${join(runDir, 'access.log')};`);
  }
  await writeFile(join(runDir, 'nginx.conf'), wrapper);
}

/** Fails when the reference config changed so that the test would no longer run it. */
function replaceOnce(text: string, search: string, replacement: string): string {
  const parts = text.split(search);
  if (parts.length !== 2) {
    throw new Error(`expected "${search}" once in deploy/nginx/notifier.conf`);
  }
  return parts.join(replacement);
}

/** Where notifier.conf looks for them: `tls/notifier.crt` and `tls/notifier.key`. */
async function writeSelfSignedCertificate(dir: string): Promise<void> {
  const { key, cert } = await createSelfSignedCertificate();
  await mkdir(dir);
  await writeFile(join(dir, 'notifier.key'), key, { mode: 0o600 });
  await writeFile(join(dir, 'notifier.crt'), cert);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolveAccepted) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolveAccepted(true);
    });
    socket.once('error', () => resolveAccepted(false));
  });
}
