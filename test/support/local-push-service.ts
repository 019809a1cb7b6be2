import { createECDH, createPublicKey, ECDH, randomBytes, verify } from 'node:crypto';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer, Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decrypt } from 'http_ece';
import { createSelfSignedCertificate } from './self-signed-certificate';

/** How the push service answers one request: a status (with headers), or never. */
export type PushAnswer = number | { status: number; headers: Record<string, string> } | 'hang';

export interface ReceivedPush {
  receiver: string;
  receivedAt: number;
  status: number | 'hang';
  headers: IncomingMessage['headers'];
  /** The decrypted body. */
  body: string;
  vapidClaims: { aud: string; exp: number; sub: string };
}

/** A browser of the test: the keys it subscribed with and its endpoint. */
export interface PushReceiver {
  name: string;
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
}

/**
 * A push service of the test's own (RFC 8030) on `https://localhost:<port>`, with a
 * self-signed certificate that the service under test trusts through NODE_EXTRA_CA_CERTS.
 * It accepts a push only with a VAPID JWT (RFC 8292) signed by `vapidPublicKey` for its own
 * origin, and decrypts the aes128gcm body (RFC 8291) with the receiver's private key; a push
 * that fails either check answers 400 and is recorded in `rejected`.
 */
export class LocalPushService {
  readonly received: ReceivedPush[] = [];
  readonly rejected: string[] = [];
  private readonly receivers = new Map<string, { ecdh: ECDH; auth: string }>();
  private readonly answers = new Map<string, PushAnswer[]>();
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly caFile: string,
    private readonly vapidPublicKey: string,
  ) {}

  static async start(vapidPublicKey: string): Promise<LocalPushService> {
    const certificate = await createSelfSignedCertificate();
    const caFile = join(tmpdir(), `notifier-push-ca-${randomBytes(4).toString('hex')}.pem`);
    await writeFile(caFile, certificate.cert);
    const server = createServer(certificate);
    const service = new LocalPushService(server, caFile, vapidPublicKey);
    server.on('request', (request: IncomingMessage, response: ServerResponse) =>
      service.handle(request, response),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return service;
  }

  get host(): string {
    return `localhost:${(this.server.address() as AddressInfo).port}`;
  }

  get origin(): string {
    return `https://${this.host}`;
  }

  /** A new browser: what it would register with the service. */
  receiver(name = randomBytes(6).toString('hex')): PushReceiver {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16).toString('base64url');
    this.receivers.set(name, { ecdh, auth });
    return {
      name,
      subscription: {
        endpoint: `${this.origin}/push/${name}`,
        keys: { p256dh: ecdh.getPublicKey('base64url', 'uncompressed'), auth },
      },
    };
  }

  /** The answers to the receiver's next requests, in order; 201 once they are used up. */
  answer(receiver: PushReceiver, ...answers: PushAnswer[]): void {
    this.answers.set(receiver.name, answers);
  }

  pushesTo(receiver: PushReceiver): ReceivedPush[] {
    return this.received.filter((push) => push.receiver === receiver.name);
  }

  async close(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        this.accept(request, Buffer.concat(chunks), response);
      } catch (error) {
        this.rejected.push(`${request.url}: ${(error as Error).message}`);
        response.writeHead(400).end();
      }
    });
  }

  private accept(request: IncomingMessage, body: Buffer, response: ServerResponse): void {
    const name = /^\/push\/([^/]+)$/.exec(request.url ?? '')?.[1] ?? '';
    const keys = this.receivers.get(name);
    if (request.method !== 'POST' || !keys) throw new Error('no such subscription');
    if (request.headers['content-encoding'] !== 'aes128gcm') throw new Error('not aes128gcm');
    if (!/^\d+$/.test(String(request.headers.ttl))) throw new Error('no TTL');
    const vapidClaims = this.verifyVapid(request.headers.authorization);
    const plain = decrypt(body, {
      version: 'aes128gcm',
      privateKey: keys.ecdh,
      authSecret: keys.auth,
    });

    const answer = this.answers.get(name)?.shift() ?? 201;
    const status = typeof answer === 'object' ? answer.status : answer;
    this.received.push({
      receiver: name,
      receivedAt: Date.now(),
      status,
      headers: request.headers,
      body: plain.toString('utf8'),
      vapidClaims,
    });
    if (answer === 'hang') {
      this.hanging.add(response);
      return;
    }
    if (typeof answer === 'object') response.writeHead(answer.status, answer.headers).end();
    else response.writeHead(answer).end();
  }

  /** `Authorization: vapid t=<JWT>, k=<public key>` (RFC 8292 §3). */
  private verifyVapid(header: string | undefined): ReceivedPush['vapidClaims'] {
    const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
    if (!match) throw new Error(`no VAPID authorization: ${header}`);
    const [, token, key] = match;
    if (key !== this.vapidPublicKey) throw new Error('VAPID key is not the service’s');
    const [header64, claims64, signature64] = token.split('.');
    const point = Buffer.from(key, 'base64url');
    const publicKey = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: point.subarray(1, 33).toString('base64url'),
        y: point.subarray(33).toString('base64url'),
      },
      format: 'jwk',
    });
    const signed = verify(
      'sha256',
      Buffer.from(`${header64}.${claims64}`),
      { key: publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(signature64, 'base64url'),
    );
    if (!signed) throw new Error('VAPID signature does not verify');
    const jwtHeader = JSON.parse(Buffer.from(header64, 'base64url').toString()) as { alg: string };
    if (jwtHeader.alg !== 'ES256') throw new Error(`VAPID alg ${jwtHeader.alg}`);
    const claims = JSON.parse(
      Buffer.from(claims64, 'base64url').toString(),
    ) as ReceivedPush['vapidClaims'];
    const now = Date.now() / 1000;
    if (claims.aud !== this.origin) throw new Error(`VAPID aud ${claims.aud}`);
    if (!(claims.exp > now && claims.exp <= now + 24 * 3600)) throw new Error('VAPID exp');
    if (!/^(mailto:|https:)/.test(claims.sub)) throw new Error(`VAPID sub ${claims.sub}`);
    return claims;
  }
}
