/** Log ids are 64-bit: past 2^53 a Number would round them, so they are compared as BigInt. */
export function compareIds(a: string, b: string): number {
  const difference = BigInt(a) - BigInt(b);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}

export function isAfter(id: string, other: string): boolean {
  return compareIds(id, other) > 0;
}
