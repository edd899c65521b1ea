import { readFileSync } from "node:fs";
import { z } from "zod";

/**
 * The catalog (data/catalog.json): the single source of book ids, prices, initial stock and the
 * text that gets embedded. Loaded and validated once; lookups by id or by title.
 */
export const bookSchema = z.object({
  id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/),
  title: z.string().min(1),
  author: z.string().min(1),
  year: z.number().int(),
  genres: z.array(z.string().min(1)).min(1),
  description: z.string().min(1),
  priceCents: z.number().int().positive(),
  stock: z.number().int().nonnegative(),
});

export type Book = z.infer<typeof bookSchema>;

export const defaultCatalogPath = new URL("../../../data/catalog.json", import.meta.url).pathname;

export class Catalog {
  private readonly byId = new Map<string, Book>();
  private readonly byTitle = new Map<string, Book>();

  constructor(readonly books: readonly Book[]) {
    for (const book of books) {
      if (this.byId.has(book.id)) throw new Error(`catalog: duplicate book id "${book.id}"`);
      this.byId.set(book.id, book);
      this.byTitle.set(titleKey(book.title), book);
    }
  }

  get(id: string): Book | undefined {
    return this.byId.get(id);
  }

  findByTitle(title: string): Book | undefined {
    return this.byTitle.get(titleKey(title));
  }

  /** A book named by id, or else by title (case and spacing insensitive). */
  resolve(ref: { id?: string; name?: string }): Book | undefined {
    return (ref.id ? this.get(ref.id) : undefined) ?? (ref.name ? this.findByTitle(ref.name) : undefined);
  }
}

function titleKey(title: string): string {
  return title.normalize("NFKC").trim().replace(/\s+/g, " ").toLowerCase();
}

export function loadCatalog(path: string = defaultCatalogPath): Catalog {
  const parsed = z.array(bookSchema).safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`catalog ${path}: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  return new Catalog(parsed.data);
}
