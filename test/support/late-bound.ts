/**
 * A stand-in for an object made in a hook (beforeAll, beforeEach), so that a describe's body can
 * name it: every property read goes to the object bound last, and fails, saying what, before.
 */
export function lateBound<T extends object>(
  what: string,
): {
  ref: T;
  value: T | undefined;
  bind(value: T): void;
} {
  let target: T | undefined;
  const ref = new Proxy({} as T, {
    get(_, key) {
      if (target === undefined)
        throw new Error(`${what} is made in a hook: use it from a hook or a test`);
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value.bind(target) as unknown) : value;
    },
  });
  return {
    ref,
    get value() {
      return target;
    },
    bind: (value) => void (target = value),
  };
}
