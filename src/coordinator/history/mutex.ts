// A tiny in-process mutex: callers run one at a time, in arrival order.

export interface Mutex {
  runExclusive<T>(fn: () => Promise<T> | T): Promise<T>;
}

export function createMutex(): Mutex {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    runExclusive<T>(fn: () => Promise<T> | T): Promise<T> {
      const run = tail.then(fn, fn);
      // The next caller waits for this one whatever its outcome.
      tail = run.then(
        () => undefined,
        () => undefined,
      );
      return run;
    },
  };
}
