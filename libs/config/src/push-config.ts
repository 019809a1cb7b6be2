import type { Environment } from './environment';
import {
  fromBase64Url,
  fullWidthPrivateKey,
  generateP256KeyPair,
  isUncompressedP256Point,
  p256PublicKeyOf,
} from './p256';
import type { PushConfig } from './notifier-config';

/** The browser vendors' push services: FCM (Chrome, Edge), Mozilla, Windows (WNS), Apple. */
export const DEFAULT_PUSH_ENDPOINT_HOSTS = [
  'fcm.googleapis.com',
  '*.push.services.mozilla.com',
  '*.notify.windows.com',
  '*.push.apple.com',
  'web.push.apple.com',
];

/** Subject of the keys made up outside production; push services only use it to reach us. */
const DEVELOPMENT_SUBJECT = 'mailto:notifier@localhost';
/** A host name, `*.` for any subdomain of it, and optionally a port (else only 443). */
const HOST_PATTERN = /^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/;

type Fail = (message: string) => never;

/**
 * Web Push settings. Outside production, missing VAPID keys are made up for the run; in
 * production push is on only when VAPID_* is set, and then every part of it is required.
 */
export function pushConfig(vars: Environment, production: boolean, fail: Fail): PushConfig {
  const endpointHosts = parseHosts(vars.PUSH_ENDPOINT_HOSTS, fail);
  const base = { delayMs: vars.PUSH_DELAY_MS, endpointHosts };
  const { VAPID_PUBLIC_KEY: publicKey, VAPID_PRIVATE_KEY: privateKey, VAPID_SUBJECT } = vars;

  if (!publicKey && !privateKey) {
    if (production) {
      if (VAPID_SUBJECT)
        fail('VAPID_SUBJECT is set but VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are not');
      return { ...base, vapid: undefined, generatedVapidKeys: false };
    }
    return {
      ...base,
      vapid: { ...generateP256KeyPair(), subject: VAPID_SUBJECT ?? DEVELOPMENT_SUBJECT },
      generatedVapidKeys: true,
    };
  }
  if (!publicKey) return fail('VAPID_PRIVATE_KEY is set without VAPID_PUBLIC_KEY');
  if (!privateKey) return fail('VAPID_PUBLIC_KEY is set without VAPID_PRIVATE_KEY');
  const publicBytes = fromBase64Url(publicKey);
  if (!isUncompressedP256Point(publicBytes)) {
    fail('VAPID_PUBLIC_KEY must be a P-256 public key: 65 bytes (uncompressed point), base64url');
  }
  const privateBytes = fullWidthPrivateKey(fromBase64Url(privateKey));
  if (!privateBytes) {
    fail('VAPID_PRIVATE_KEY must be a P-256 private key: 32 bytes, base64url');
  }
  let pairs = false;
  try {
    pairs = p256PublicKeyOf(privateBytes).equals(publicBytes as Buffer);
  } catch {
    fail('VAPID_PRIVATE_KEY is not a valid P-256 private key');
  }
  if (!pairs) fail('VAPID_PUBLIC_KEY is not the public key of VAPID_PRIVATE_KEY');
  if (production && !VAPID_SUBJECT) {
    fail('Missing VAPID_SUBJECT in production: a mailto: or https: contact for push services');
  }
  return {
    ...base,
    // Re-encoded without padding: the form browsers expect as applicationServerKey.
    vapid: {
      publicKey: (publicBytes as Buffer).toString('base64url'),
      privateKey: privateBytes.toString('base64url'),
      subject: VAPID_SUBJECT ?? DEVELOPMENT_SUBJECT,
    },
    generatedVapidKeys: false,
  };
}

function parseHosts(value: string | undefined, fail: Fail): string[] {
  if (value === undefined) return DEFAULT_PUSH_ENDPOINT_HOSTS;
  const hosts = value
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter(Boolean);
  for (const host of hosts) {
    if (!HOST_PATTERN.test(host)) {
      fail(
        `PUSH_ENDPOINT_HOSTS entries must be host names like fcm.googleapis.com or *.example.com, got ${host}`,
      );
    }
  }
  return hosts;
}
