import { createHash } from "node:crypto";
import type { Book } from "@bookstore/catalog";

/** The text embedded for a book: title, author, genres and description. */
export function bookText(book: Pick<Book, "title" | "author" | "genres" | "description">): string {
  return `${book.title} by ${book.author}. ${book.genres.join(", ").replace(/-/g, " ")}. ${book.description}`;
}

/** Identifies an embedding: the same text under the same embedder is never embedded twice. */
export function contentHash(embedderName: string, text: string): string {
  return createHash("sha256").update(embedderName).update("\n").update(text).digest("hex");
}
