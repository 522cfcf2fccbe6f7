/**
 * Waiting for something a test cannot await directly (a log line, an answer on a pipe). The
 * deadline is generous so a busy 2-core machine never fails a test that would pass given time;
 * a quick machine returns as soon as the check holds.
 */

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Poll `check` every `stepMs` until it holds or `timeoutMs` has passed.
 * @returns whether it held (callers assert on it, or on what it checked).
 */
export async function eventually(
  check: () => boolean,
  timeoutMs = 30_000,
  stepMs = 25,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() >= deadline) return false;
    await sleep(stepMs);
  }
  return true;
}
