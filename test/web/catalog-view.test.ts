// The catalog page's pure parts: the filters an address asks for (shared by the page and the
// server's rendering of the front page), and the view rendered to HTML as the server does it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { catalogMarkup } from "../../services/orchestrator/src/routes/catalog-prerender.js";
import { filtersFrom, sameFilters } from "../../web/src/store/catalog-view.js";

describe("catalog view", () => {
  it("reads the filters from an address; a bad page number is page 1", () => {
    assert.deepEqual(filtersFrom(new URLSearchParams("genre=fantasy&author=Tolkien&page=3")), {
      q: "",
      genre: "fantasy",
      author: "Tolkien",
      page: 3,
    });
    for (const page of ["0", "-2", "1.5", "x", "", "2147483648", "1e400"])
      assert.equal(filtersFrom(new URLSearchParams(`page=${page}`)).page, 1, page);
    const a = filtersFrom(new URLSearchParams("q=wizard"));
    assert.ok(sameFilters(a, { ...a }));
    assert.ok(!sameFilters(a, { ...a, page: 2 }));
    assert.ok(!sameFilters(a, { ...a, q: "" }));
  });

  it("renders on the server: escaped text, the pager's state, inert until the page takes over", async () => {
    const book = { id: "x", title: 'A <b>"bold"</b> title', author: "Anon & Co", priceCents: 1250 };
    const markup = await catalogMarkup({
      filters: { q: "", genre: "", author: "", page: 2 },
      listing: { books: [book], pagination: { total: 30, page: 2, pages: 3 }, searched: false },
    });
    assert.match(markup, /^<div data-prerendered inert>/);
    assert.ok(markup.includes("A &lt;b&gt;&quot;bold&quot;&lt;/b&gt; title"), markup);
    assert.ok(markup.includes("Anon &amp; Co"));
    assert.match(markup, /€12\.50/);
    assert.match(markup, /Page <!--lit-part-->2<!--\/lit-part--> of <!--lit-part-->3/);
    assert.doesNotMatch(markup, /<button[^>]*disabled[^>]*>Previous/, "page 2 has a previous page");
    const empty = await catalogMarkup({
      filters: { q: "", genre: "nope", author: "", page: 1 },
      listing: { books: [], pagination: { total: 0, page: 1, pages: 0 }, searched: false },
    });
    assert.match(empty, /data-cy="no-results"/);
  });
});
