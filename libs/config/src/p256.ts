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

/** The public key (uncompressed point) of a P-256 private key of 32 bytes. */
export function p256PublicKeyOf(privateKey: Buffer): Buffer {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(privateKey);
  return ecdh.getPublicKey(null, 'uncompressed');
}
