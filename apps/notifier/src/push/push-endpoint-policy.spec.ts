import { parse as legacyParse } from 'node:url';
import { PushEndpoint } from './push-endpoint-policy';

const ALLOWED = ['fcm.googleapis.com', '*.push.services.mozilla.com', 'localhost:8443'];
const check = (endpoint: string) => PushEndpoint.check(endpoint, ALLOWED);

/**
 * Characters the WHATWG parser keeps in a host but no DNS name has; the first seven end the
 * host for Node's legacy `url.parse`, which then reads `https://127.0.0.1;.x/` as 127.0.0.1.
 */
const HOST_SPLITTERS = [';', '"', "'", '`', '{', '}', '%2e', '%2E', '!', '$', '&', '(', ')', '*'];

describe('the push endpoint policy', () => {
  it.each([
    'https://fcm.googleapis.com/fcm/send/dXJsOnRva2Vu:APA91b',
    'https://updates.push.services.mozilla.com/wpush/v2/gAAAAABl',
    'https://localhost:8443/push/a',
    'https://updates.push.services.mozilla.com/wpush/v2/a?token=BQYAAA%2bx%2f',
  ])('allows %s, as it was given', (endpoint) => {
    const checked = check(endpoint);
    expect(checked).toBeInstanceOf(PushEndpoint);
    expect((checked as PushEndpoint).href).toBe(endpoint);
  });

  it.each(HOST_SPLITTERS)('refuses a host with %s in it', (splitter) => {
    const endpoint = `https://127.0.0.1${splitter}.push.services.mozilla.com/wpush/v2/x`;
    expect(check(endpoint)).not.toBeInstanceOf(PushEndpoint);
  });

  it.each([
    ['an upper-case host', 'https://FCM.googleapis.com/fcm/send/x', 'not-canonical'],
    ['the default port written out', 'https://fcm.googleapis.com:443/fcm/send/x', 'not-canonical'],
    ['no slashes after the scheme', 'https:fcm.googleapis.com/fcm/send/x', 'not-canonical'],
    ['a leading space', ' https://fcm.googleapis.com/fcm/send/x', 'not-canonical'],
    ['a tab in the host', 'https://fcm.google\tapis.com/fcm/send/x', 'not-canonical'],
    ['a backslash', 'https://a.push.services.mozilla.com\\@127.0.0.1/x', 'not-canonical'],
    ['two @', 'https://x@127.0.0.1@a.push.services.mozilla.com/x', 'not-canonical'],
    ['an ideographic full stop', 'https://a\u3002push.services.mozilla.com/x', 'not-canonical'],
    ['a full-width letter', 'https://\uff41.push.services.mozilla.com/x', 'not-canonical'],
    ['a soft hyphen', 'https://a\u00ad.push.services.mozilla.com/x', 'not-canonical'],
    ['a hexadecimal IPv4 address', 'https://0x7f.1/x', 'not-canonical'],
    ['a decimal IPv4 address', 'https://2130706433/x', 'not-canonical'],
    ['a brace in the path', 'https://fcm.googleapis.com/fcm/send/{x}', 'not-canonical'],
    ['an IPv4 address', 'https://127.0.0.1/x', 'host-not-plain'],
    ['an IPv6 address', 'https://[::1]/x', 'host-not-plain'],
    ['an underscore', 'https://a_b.push.services.mozilla.com/x', 'host-not-plain'],
    ['an empty label', 'https://a..push.services.mozilla.com/x', 'host-not-plain'],
    ['a trailing dot', 'https://a.push.services.mozilla.com./x', 'host-not-plain'],
    ['credentials', 'https://me:pw@fcm.googleapis.com/x', 'host-not-allowed'],
    ['the bare domain of a *. entry', 'https://push.services.mozilla.com/x', 'host-not-allowed'],
    ['another port', 'https://fcm.googleapis.com:8443/x', 'host-not-allowed'],
    ['http:', 'http://fcm.googleapis.com/x', 'not-https'],
    ['no URL at all', 'fcm.googleapis.com/x', 'not-a-url'],
  ])('refuses %s', (_, endpoint, refusal) => {
    expect(check(endpoint)).toBe(refusal);
  });

  /** Whatever passes, both parsers read the same host, port and path from its text. */
  it('allows nothing that url.parse reads differently', () => {
    const tricky = [
      ...HOST_SPLITTERS.map((c) => `https://127.0.0.1${c}.push.services.mozilla.com/x`),
      'https://a.push.services.mozilla.com\\@127.0.0.1/x',
      'https://x@127.0.0.1@a.push.services.mozilla.com/x',
      'https://a.push.services.mozilla.com/x',
      'https://localhost:8443/x?y=%2e',
    ];
    for (const endpoint of tricky) {
      const checked = check(endpoint);
      if (!(checked instanceof PushEndpoint)) continue;
      const legacy = legacyParse(checked.href);
      const { hostname, port, pathname, search } = checked.url;
      expect([legacy.hostname, legacy.port ?? '', legacy.path]).toEqual([
        hostname,
        port,
        pathname + search,
      ]);
    }
  });
});
