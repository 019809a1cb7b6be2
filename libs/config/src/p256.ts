import { createECDH, ECDH } from 'node:crypto';

/** base64url, padding optional (browsers send none). */
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/** The bytes of a base64url string, or undefined when it is not one. */
export function fromBase64Url(value: unknown): Buffer | undefined {
  if (typeof value !== 'string' || !BASE64URL.test(value)) return undefined;
  return Buffer.from(value, 'base64url');
}

/** A P-256 public key as Web Push carries it: 65 bytes, 0x04 then x and y, on the curve. */
export function isUncompressedP256Point(bytes: Buffer | undefined): boolean {
  if (bytes?.length !== 65 || bytes[0] !== 0x04) return false;
  try {
    // OpenSSL refuses a point that is not on the curve.
    ECDH.convertKey(bytes, 'prime256v1', undefined, undefined, 'uncompressed');
    return true;
  } catch {
    return false;
  }
}

/** Width of a P-256 private key, the scalar, as Web Push (and web-push) requires it written. */
const PRIVATE_KEY_BYTES = 32;

/**
 * A P-256 private key at full width, or undefined when it cannot be one. Node's getPrivateKey()
 * drops leading zero bytes, so one key in 256 it prints is 31 bytes or fewer.
 */
export function fullWidthPrivateKey(bytes: Buffer | undefined): Buffer | undefined {
  if (!bytes?.length || bytes.length > PRIVATE_KEY_BYTES) return undefined;
  return padToFullWidth(bytes);
}

function padToFullWidth(scalar: Buffer): Buffer {
  return Buffer.concat([Buffer.alloc(PRIVATE_KEY_BYTES - scalar.length), scalar]);
}

/** A new P-256 key pair, base64url: the uncompressed point and the full-width scalar. */
export function generateP256KeyPair(): { publicKey: string; privateKey: string } {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    publicKey: ecdh.getPublicKey('base64url', 'uncompressed'),
    privateKey: padToFullWidth(ecdh.getPrivateKey()).toString('base64url'),
  };
}

/** The public key (uncompressed point) of a P-256 private key of 32 bytes. */
export function p256PublicKeyOf(privateKey: Buffer): Buffer {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(privateKey);
  return ecdh.getPublicKey(null, 'uncompressed');
}
