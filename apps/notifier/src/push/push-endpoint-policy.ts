import { isIP } from 'node:net';

/**
 * Which push endpoints the service will POST to: `https:` URLs without credentials, written in
 * their canonical (WHATWG) form, whose host is a plain DNS name matching an entry of
 * PUSH_ENDPOINT_HOSTS (`*.` matches any subdomain, not the domain itself), on port 443 unless
 * the entry names another. Anything else is refused, so users cannot make the service send
 * requests to internal addresses (SSRF).
 *
 * Check what you send, send what you checked: the URL parsed here is the one the request goes
 * to (PushEndpoint), never its text parsed again by another parser. Requiring the canonical
 * form and a plain host also leaves nothing on which two URL parsers could disagree:
 * `https://127.0.0.1;.push.example.net/` is a subdomain to WHATWG but 127.0.0.1 to Node's
 * legacy `url.parse`.
 */
export const MAX_ENDPOINT_LENGTH = 1000;

export type EndpointRefusal =
  'too-long' | 'not-a-url' | 'not-https' | 'not-canonical' | 'host-not-plain' | 'host-not-allowed';

/** Dot-separated labels of lower-case letters, digits and hyphens: nothing else to misread. */
const PLAIN_HOST = /^[a-z0-9-]+(\.[a-z0-9-]+)*$/;

/** An endpoint that passed the policy: only the policy makes one. */
export class PushEndpoint {
  private constructor(readonly url: URL) {}

  get href(): string {
    return this.url.href;
  }

  /** The endpoint as allowed, or why it is refused. */
  static check(endpoint: string, allowedHosts: readonly string[]): PushEndpoint | EndpointRefusal {
    if (endpoint.length > MAX_ENDPOINT_LENGTH) return 'too-long';
    if (!URL.canParse(endpoint)) return 'not-a-url';
    const url = new URL(endpoint);
    if (url.protocol !== 'https:') return 'not-https';
    if (url.href !== endpoint) return 'not-canonical';
    if (url.username || url.password) return 'host-not-allowed';
    if (!PLAIN_HOST.test(url.hostname) || isIP(url.hostname) !== 0) return 'host-not-plain';
    // `port` is '' for the default 443.
    const port = url.port || '443';
    if (!allowedHosts.some((entry) => matches(entry, url.hostname, port))) {
      return 'host-not-allowed';
    }
    return new PushEndpoint(url);
  }
}

function matches(entry: string, hostname: string, port: string): boolean {
  const [pattern, entryPort = '443'] = entry.split(':');
  if (entryPort !== port) return false;
  if (pattern.startsWith('*.')) return hostname.endsWith(pattern.slice(1));
  return hostname === pattern;
}
