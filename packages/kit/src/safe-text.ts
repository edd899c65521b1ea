// Text that came from a caller is shown back only escaped and truncated: in error messages, in
// gRPC metadata (HTTP/2 header values must be printable ASCII) and in logs. One hostile string
// (non-ASCII, control characters, 100 KB) must never break a reply or stop a process.

/** Printable ASCII (0x20-0x7E) only: everything else as a \uXXXX escape, valid inside JSON. */
export function asciiOnly(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** At most `max` characters, marked when cut. Lone surrogates left by the cut are replaced. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max).toWellFormed()}…(${text.length - max} more)`;
}

/** A caller's value quoted for a message: escaped, truncated, in double quotes. */
export function quote(value: string, max = 64): string {
  return `"${asciiOnly(truncate(value, max))}"`;
}

/** The problem with a string that no service should ever see, or undefined when it is fine. */
export function unsafeTextProblem(text: string): string | undefined {
  if (text.includes("\u0000")) return "must not contain a NUL character";
  if (!text.isWellFormed()) return "must be valid Unicode (it contains a lone surrogate)";
  return undefined;
}
