// Values a hostile or careless client sends: shared by the HTTP and gRPC fuzzers.
import fc from "fast-check";

/** Strings that have broken parsers, headers, SQL, lookups and logs somewhere. */
export const HOSTILE_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "x\udfffy",
  "café",
  "书名",
  "🦄📚",
  "\u202eevil",
  "\u007f",
  "\r\n",
  "\t",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "'; DROP TABLE books; --",
  '" OR 1=1 --',
  "%",
  "_",
  "\\",
  "$1",
  "{}",
  "[]",
  "null",
  "NaN",
  "-1",
  "1e309",
  "9223372036854775807",
  "../../etc/passwd",
  "%00",
  "%2e%2e",
  "<script>alert(1)</script>",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log-injection probe, sent as written
  "${jndi:ldap://x}",
  '"unbalanced',
  "-dune",
  "dune",
  "the-hobbit",
  "The Hobbit",
  "stock:dune",
  "order:1",
  "db1",
  "orchestrator",
  "4111111111111111",
];

/** Sizes that cross limits: field caps, header caps, message caps. */
const HUGE_LENGTHS = [257, 1001, 10_000, 100_000];

export const stringArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...HUGE_LENGTHS), fc.constantFrom("k", "é", "\u0000"))
      .map(([n, c]) => c.repeat(n)),
  },
);

export const INTEGER_EDGES = [
  0,
  1,
  -1,
  2,
  100,
  1001,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 31,
  2 ** 32,
  2 ** 53 - 1,
  -(2 ** 53 - 1),
];

/** A JSON value of any type, for a field that expects something else. */
export const jsonValueArb: fc.Arbitrary<unknown> = fc.oneof(
  stringArb,
  fc.constantFrom(...INTEGER_EDGES, 2 ** 53, 1e308, -0, 0.5, 2147483648),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.constantFrom("a", "__proto__", "constructor", "x y"), fc.integer(), { maxKeys: 2 }),
);

/** `depth` levels of {"x": ...} around a value, as JSON text (parsers must not recurse on it). */
export function nestedJson(depth: number, inner = "1"): string {
  return `${'{"x":'.repeat(depth)}${inner}${"}".repeat(depth)}`;
}

/** A 13-19 digit run: a card number must never come back in an answer or a log. */
export const CARD_LIKE = /(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)/;

/** What an answer must never show: a stack frame, a source path, a dependency's path. */
export const INTERNALS = /\bat \S+ \(|node_modules|\/work\/|\.ts:\d+|\/src\/\w/;
