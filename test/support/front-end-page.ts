import { once } from 'node:events';
import { createServer, Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Certificate } from './self-signed-certificate';

/**
 * A front end as a browser runs it, for the notifier at `?edge=<origin>`: it opens the stream
 * with the user's cookie and records what arrives; `readInbox(token)` calls the REST API with
 * an Authorization header, which takes a preflight.
 */
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>Front end on another origin</title>
<script>
  const edge = new URLSearchParams(location.search).get('edge');
  window.received = [];
  window.streamState = 'connecting';
  const source = new EventSource(edge + '/users/me/events', { withCredentials: true });
  source.onopen = () => (window.streamState = 'open');
  source.onmessage = (message) => window.received.push(JSON.parse(message.data).payload);
  source.onerror = () => {
    window.streamState = source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting';
  };
  window.readInbox = async (token) => {
    const response = await fetch(edge + '/users/me/notifications', {
      headers: { Authorization: 'Bearer ' + token },
    });
    return { status: response.status, body: await response.json() };
  };
</script>
`;

/**
 * Serves the page on a loopback port as `https://localhost:<port>`: each port is an origin of
 * its own, on the same site as the notifier's `https://localhost:<port>` (so the browser sends
 * the user's cookie along, and only CORS decides).
 */
export class FrontEndServer {
  private constructor(private readonly server: Server) {}

  static async start(certificate: Certificate): Promise<FrontEndServer> {
    const server = createServer(certificate, (_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new FrontEndServer(server);
  }

  get origin(): string {
    return `https://localhost:${(this.server.address() as AddressInfo).port}`;
  }

  /** The page, talking to the notifier at `edge`. */
  pageUrl(edge: string): string {
    return `${this.origin}/?edge=${encodeURIComponent(edge)}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
