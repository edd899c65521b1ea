// The search box's syntax: words (any), "phrases" (required), -words and -"phrases" (excluded),
// rebuilt for websearch_to_tsquery from tokens only, whatever was typed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { isEmptyQuery, parseSearchQuery, tokenize } from "../src/search-query.js";

describe("search query parsing", () => {
  it("plain words: any of them, in order, lower case", () => {
    const q = parseSearchQuery("Boy Wizard  school");
    assert.equal(q.required, "");
    assert.equal(q.excluded, "");
    assert.deepEqual(q.words, ["boy", "wizard", "school"]);
    assert.equal(q.plain, "boy wizard school");
  });

  it('"phrases" are required and looked for; -words and -"phrases" are excluded', () => {
    const q = parseSearchQuery('"boy wizard" magic -potter -"dark lord"');
    assert.equal(q.required, '"boy wizard"');
    assert.equal(q.excluded, 'potter or "dark lord"');
    assert.deepEqual(q.words, ["boy", "wizard", "magic"]);
  });

  it("an unclosed quote runs to the end; a one-word phrase is a word", () => {
    assert.equal(parseSearchQuery('dune "desert planet').required, '"desert planet"');
    const one = parseSearchQuery('"dune"');
    assert.equal(one.required, "");
    assert.deepEqual(one.words, ["dune"]);
  });

  it("operators, punctuation and SQL are only text", () => {
    const q = parseSearchQuery("'; DROP TABLE books; -- or (a|b) & !c");
    assert.deepEqual(q.words, ["drop", "table", "books", "a", "b", "c"]);
    assert.equal(q.excluded, "");
    assert.ok(isEmptyQuery(parseSearchQuery("!!! ??? -- \"\" ''")));
    assert.ok(isEmptyQuery(parseSearchQuery("or and not")));
    assert.ok(isEmptyQuery(parseSearchQuery("-potter")), "only exclusions: nothing to look for");
  });

  it("keeps letters of any script and inner hyphens and apostrophes", () => {
    const q = parseSearchQuery("Gödel data-intensive Philosopher's Достоевский");
    assert.deepEqual(q.words, ["gödel", "data-intensive", "philosopher's", "достоевский"]);
  });

  it("tokens never carry a quote, and rebuilt parts hold only letters, digits, - ' \" and spaces", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        for (const t of tokenize(text)) assert.ok(!t.text.includes('"'));
        const q = parseSearchQuery(text);
        for (const part of [q.required, q.excluded, q.plain]) {
          assert.match(part, /^[\p{L}\p{N}\p{M}'" -]*$/u);
        }
        assert.equal(isEmptyQuery(q), q.words.length === 0);
      }),
    );
  });
});
