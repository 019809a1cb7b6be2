/**
 * Which push endpoints the service will POST to: `https:` URLs without credentials whose host
 * matches an entry of PUSH_ENDPOINT_HOSTS (`*.` matches any subdomain, not the domain itself),
 * on port 443 unless the entry names another. Anything else is refused, so users cannot make
 * the service send requests to internal addresses (SSRF).
 */
export const MAX_ENDPOINT_LENGTH = 1000;

export type EndpointVerdict =
  'allowed' | 'not-https' | 'too-long' | 'not-a-url' | 'host-not-allowed';

export function checkEndpoint(endpoint: string, allowedHosts: readonly string[]): EndpointVerdict {
  if (endpoint.length > MAX_ENDPOINT_LENGTH) return 'too-long';
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'not-a-url';
  }
  if (url.protocol !== 'https:') return 'not-https';
  if (url.username || url.password) return 'host-not-allowed';
  // URL lower-cases the host; `port` is '' for the default 443.
  const port = url.port || '443';
  return allowedHosts.some((entry) => matches(entry, url.hostname, port))
    ? 'allowed'
    : 'host-not-allowed';
}

function matches(entry: string, hostname: string, port: string): boolean {
  const [pattern, entryPort = '443'] = entry.split(':');
  if (entryPort !== port) return false;
  if (pattern.startsWith('*.')) return hostname.endsWith(pattern.slice(1));
  return hostname === pattern;
}
