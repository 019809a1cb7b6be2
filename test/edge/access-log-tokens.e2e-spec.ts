import { request } from 'node:https';
import { NginxEdge } from '../support/nginx-edge';
import { useNotifier } from '../support/notifier-fixture';
import { uniqueUser } from '../support/users';

/** A GET through the edge (self-signed certificate); resolves with the status once the head is in. */
function getThrough(edge: NginxEdge, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${edge.originOn()}${path}`,
      { rejectUnauthorized: false },
      (answer) => {
        resolve(answer.statusCode ?? 0);
        answer.destroy(); // the stream would never end by itself
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('nginx edge: access logs', () => {
  const { notifier } = useNotifier();

  it('record the path of EventSource requests but never their access_token', async () => {
    const port = Number(new URL(notifier.baseUrl).port);
    // Included as a distribution's nginx.conf includes conf.d/: with its default access log.
    const edge = await NginxEdge.start([port, port], { systemAccessLog: true });
    const token = notifier.tokenFor(uniqueUser());
    try {
      expect(await getThrough(edge, `/users/me/events?access_token=${token}`)).toBe(200);
      expect(await getThrough(edge, `/users/me/notifications?access_token=${token}`)).toBe(200);
      await edge.stop({ keepRunDir: true });
      const logs = await edge.accessLogs();
      expect(logs).toContain('GET /users/me/events ');
      expect(logs).toContain('GET /users/me/notifications ');
      expect(logs).not.toContain(token.split('.')[2]);
      expect(logs).not.toContain('access_token');
    } finally {
      await edge.stop();
    }
  });
});
