// "Latest wins" for requests made as a person types: each new one waits its delay (debounce) and
// aborts the one before it, so an outdated answer can neither arrive late nor cost the server.

export class LatestRequest {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private controller: AbortController | undefined;

  /** Runs `request` after `delayMs` unless another comes first; only the newest may deliver. */
  run<T>(
    delayMs: number,
    request: (signal: AbortSignal) => Promise<T>,
    deliver: (value: T) => void,
    fail: (e: unknown) => void,
  ): void {
    this.cancel();
    const controller = new AbortController();
    this.controller = controller;
    this.timer = setTimeout(() => {
      request(controller.signal).then(
        (value) => {
          if (!controller.signal.aborted) deliver(value);
        },
        (error: unknown) => {
          if (!controller.signal.aborted) fail(error);
        },
      );
    }, delayMs);
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.controller?.abort();
  }
}
