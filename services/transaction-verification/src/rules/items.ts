import { type Violation, violation } from "./violation.js";

export interface ItemLine {
  bookId: string;
  title?: string;
  quantity: number;
}

export const MAX_LINES = 50;
export const DEFAULT_MAX_QUANTITY = 100;

/** Checks the order lines; returns every violation. */
export function checkItems(
  lines: readonly ItemLine[],
  maxQuantity: number = DEFAULT_MAX_QUANTITY,
): Violation[] {
  if (!Number.isInteger(maxQuantity) || maxQuantity < 1) {
    throw new RangeError("checkItems: maxQuantity must be a positive integer");
  }
  if (!Array.isArray(lines) || lines.length === 0) {
    return [violation("items", "non_empty", "items must contain at least one line.")];
  }

  const violations: Violation[] = [];
  if (lines.length > MAX_LINES) {
    violations.push(violation("items", "too_many", `items must contain at most ${MAX_LINES} lines.`));
  }
  const seen = new Set<string>();
  // Lines past the cap are not inspected, so an oversized order yields a bounded report.
  const inspected = Math.min(lines.length, MAX_LINES);
  for (let i = 0; i < inspected; i++) {
    const line: unknown = lines[i];
    const at = `items[${i}]`;
    if (typeof line !== "object" || line === null) {
      violations.push(violation(at, "format", `${at} must be an object with bookId and quantity.`));
      continue;
    }
    const { bookId, quantity } = line as Partial<Record<keyof ItemLine, unknown>>;

    const id = typeof bookId === "string" ? bookId.trim() : "";
    if (id === "") {
      violations.push(violation(`${at}.bookId`, "required", `${at}.bookId is required.`));
    } else if (seen.has(id)) {
      violations.push(violation(at, "duplicate", `${at} repeats a book already in the order.`));
    } else {
      seen.add(id);
    }

    const q = `${at}.quantity`;
    if (typeof quantity !== "number" || !Number.isInteger(quantity)) {
      violations.push(violation(q, "integer", `${q} must be a whole number.`));
    } else if (quantity < 1 || quantity > maxQuantity) {
      violations.push(violation(q, "range", `${q} must be between 1 and ${maxQuantity}.`));
    }
  }
  return violations;
}
