// Reads a route again and again: the next read starts `everyMs` after the last one ended, so a
// slow answer never piles up requests, and a failed read is shown without stopping the loop.

export function poll<T>(
  everyMs: number,
  read: (signal: AbortSignal) => Promise<T>,
  onValue: (value: T) => void,
  onError: (error: unknown) => void,
): () => void {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const once = async () => {
    try {
      onValue(
        await read(AbortSignal.any([controller.signal, AbortSignal.timeout(Math.max(2000, everyMs * 4))])),
      );
    } catch (error) {
      if (!controller.signal.aborted) onError(error);
    }
    if (!controller.signal.aborted) timer = setTimeout(once, everyMs);
  };
  void once();
  return () => {
    controller.abort();
    clearTimeout(timer);
  };
}
