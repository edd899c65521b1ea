const euros = new Intl.NumberFormat("en-IE", { style: "currency", currency: "EUR" });

/** Cents as a price for people, e.g. 1299 → "€12.99". */
export function formatCents(cents: number): string {
  return euros.format(cents / 100);
}
