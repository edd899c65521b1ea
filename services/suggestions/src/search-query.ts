/**
 * A shopper's search box, read the way web search engines read it: plain words (any of them may
 * match; more matches rank higher), "quoted phrases" (every result must contain them) and -words or
 * -"phrases" (no result may contain them). An unclosed quote runs to the end of the text. The parts
 * are handed to Postgres's websearch_to_tsquery, rebuilt from tokens this parser produced, so no
 * operator a shopper did not mean reaches it; websearch_to_tsquery itself never rejects its input.
 */
export interface SearchQuery {
  /** Phrases every result must contain, web-search syntax ("boy wizard" "dark lord"). */
  required: string;
  /** Words and phrases no result may contain, joined by `or`. */
  excluded: string;
  /** Words looked for (phrases' words included), lower case, without operators, each once. */
  words: string[];
  /** The words looked for as one text, in the order typed: what is embedded and ranked by words. */
  plain: string;
}

interface Token {
  text: string;
  phrase: boolean;
  negated: boolean;
}

/** Splits the text into words and quoted phrases, each possibly negated by a leading "-". */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const negated = c === "-" && i + 1 < text.length && !/\s/.test(text[i + 1] as string);
    if (negated) i++;
    if (text[i] === '"') {
      const end = text.indexOf('"', i + 1);
      const stop = end < 0 ? text.length : end;
      tokens.push({ text: text.slice(i + 1, stop), phrase: true, negated });
      i = stop + 1;
      continue;
    }
    let end = i;
    while (end < text.length && !/\s/.test(text[end] as string) && text[end] !== '"') end++;
    tokens.push({ text: text.slice(i, end), phrase: false, negated });
    i = end;
  }
  return tokens;
}

/** Letters and digits of a token, other characters as spaces: what Postgres's parser sees anyway. */
function clean(text: string): string {
  return text
    .replace(/[^\p{L}\p{N}'-]+/gu, " ")
    .replace(/(^|\s)[-']+|[-']+(?=\s|$)/g, " ")
    .trim()
    .replace(/\s+/g, " ");
}

/** `or`, `and` and `not` are operators to websearch_to_tsquery (and stop words anyway). */
const OPERATOR_WORDS = new Set(["or", "and", "not"]);

function quoted(words: string): string {
  return words.includes(" ") ? `"${words}"` : words;
}

export function parseSearchQuery(text: string): SearchQuery {
  const words: string[] = [];
  const phrases: string[] = [];
  const unwanted: string[] = [];
  for (const token of tokenize(text)) {
    const cleaned = clean(token.text).toLowerCase();
    // A word with punctuation inside ("a|b") is several words; a phrase stays one.
    for (const part of token.phrase ? [cleaned] : cleaned.split(" ")) {
      if (part === "" || (!part.includes(" ") && OPERATOR_WORDS.has(part))) continue;
      if (token.negated) unwanted.push(quoted(part));
      else {
        if (part.includes(" ")) phrases.push(part);
        words.push(...part.split(" ").filter((w) => !OPERATOR_WORDS.has(w)));
      }
    }
  }
  return {
    required: phrases.map((p) => `"${p}"`).join(" "),
    excluded: [...new Set(unwanted)].join(" or "),
    words: [...new Set(words)],
    plain: words.join(" "),
  };
}

/** True when the query names nothing to look for (only punctuation, operators or exclusions). */
export function isEmptyQuery(query: SearchQuery): boolean {
  return query.words.length === 0;
}
