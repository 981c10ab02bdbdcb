/**
 * Runs `task` every `intervalMs`, skipping a tick while the previous run has not settled, so a
 * slow Redis or /proc read never piles runs up. A rejection goes to `onError`.
 * @returns a function that stops the repetition.
 */
export function repeatWithoutOverlap(
  task: () => Promise<void>,
  intervalMs: number,
  onError: (err: unknown) => void,
): () => void {
  let isRunning = false;
  const timer = setInterval(() => {
    if (isRunning) return;
    isRunning = true;
    task()
      .catch(onError)
      .finally(() => {
        isRunning = false;
      });
  }, intervalMs);
  return () => clearInterval(timer);
}
