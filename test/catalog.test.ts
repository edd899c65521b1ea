import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, it } from "node:test";

const GENRES = new Set([
  "adventure",
  "biography",
  "business",
  "children",
  "classics",
  "cookery",
  "dystopian",
  "fantasy",
  "history",
  "horror",
  "literary-fiction",
  "mystery",
  "philosophy",
  "poetry",
  "programming",
  "romance",
  "science",
  "science-fiction",
  "self-help",
  "thriller",
  "young-adult",
]);

const FIELDS = ["id", "title", "author", "year", "genres", "description", "priceCents", "stock"];
const ID_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

const REQUIRED_TITLES = [
  "The Hobbit",
  "Harry Potter and the Philosopher's Stone",
  "1984",
  "To Kill a Mockingbird",
  "The Great Gatsby",
  "Pride and Prejudice",
  "Moby-Dick",
  "Dune",
  "The Lord of the Rings",
  "Brave New World",
  "The Catcher in the Rye",
  "Learning Python",
  "Domain-Driven Design",
  "Design Patterns",
  "Clean Code",
  "The Pragmatic Programmer",
  "Designing Data-Intensive Applications",
  "A Study in Scarlet",
  "The Hound of the Baskervilles",
  "Frankenstein",
  "Dracula",
];

interface Book {
  id: string;
  title: string;
  author: string;
  year: number;
  genres: string[];
  description: string;
  priceCents: number;
  stock: number;
}

const raw = fs.readFileSync(new URL("../data/catalog.json", import.meta.url), "utf8");
const books = JSON.parse(raw) as Book[];

describe("data/catalog.json", () => {
  it("is an array of at least 200 books", () => {
    assert.ok(Array.isArray(books));
    assert.ok(books.length >= 200, `only ${books.length} books`);
  });

  it("every book has exactly the expected fields with the right types and ranges", () => {
    for (const b of books) {
      const label = JSON.stringify(b.title ?? b.id);
      assert.deepEqual(Object.keys(b).sort(), [...FIELDS].sort(), `fields of ${label}`);
      assert.equal(typeof b.id, "string", `id of ${label}`);
      assert.equal(typeof b.title, "string", `title of ${label}`);
      assert.ok(b.title.trim().length > 0, `empty title ${label}`);
      assert.equal(typeof b.author, "string", `author of ${label}`);
      assert.ok(b.author.trim().length > 0, `empty author ${label}`);
      assert.ok(Number.isInteger(b.year), `year of ${label}`);
      assert.ok(b.year >= -1000 && b.year <= new Date().getFullYear(), `year range of ${label}`);
      assert.ok(Array.isArray(b.genres), `genres of ${label}`);
      assert.ok(b.genres.length >= 1 && b.genres.length <= 3, `genre count of ${label}`);
      assert.equal(new Set(b.genres).size, b.genres.length, `duplicate genre in ${label}`);
      assert.equal(typeof b.description, "string", `description of ${label}`);
      assert.ok(Number.isInteger(b.priceCents), `priceCents of ${label}`);
      assert.ok(b.priceCents >= 499 && b.priceCents <= 4999, `priceCents range of ${label}`);
      assert.ok(Number.isInteger(b.stock), `stock of ${label}`);
      assert.ok(b.stock >= 5 && b.stock <= 120, `stock range of ${label}`);
    }
  });

  it("ids are unique kebab-case slugs", () => {
    const ids = new Set<string>();
    for (const b of books) {
      assert.match(b.id, ID_RE, `bad id ${b.id}`);
      assert.ok(!ids.has(b.id), `duplicate id ${b.id}`);
      ids.add(b.id);
    }
  });

  it("titles are unique", () => {
    const titles = new Set<string>();
    for (const b of books) {
      assert.ok(!titles.has(b.title), `duplicate title ${b.title}`);
      titles.add(b.title);
    }
  });

  it("genres are all within the vocabulary", () => {
    for (const b of books) {
      for (const g of b.genres) assert.ok(GENRES.has(g), `unknown genre ${g} in ${b.title}`);
    }
  });

  it("descriptions are 150-500 characters", () => {
    for (const b of books) {
      const n = b.description.length;
      assert.ok(n >= 150 && n <= 500, `description of ${b.title} is ${n} chars`);
    }
  });

  it("no author has more than 6 books", () => {
    const counts = new Map<string, number>();
    for (const b of books) counts.set(b.author, (counts.get(b.author) ?? 0) + 1);
    for (const [author, n] of counts) assert.ok(n <= 6, `${author} has ${n} books`);
  });

  it("contains the titles named by older clients and tests", () => {
    const titles = new Set(books.map((b) => b.title));
    for (const t of REQUIRED_TITLES) assert.ok(titles.has(t), `missing ${t}`);
  });
});
