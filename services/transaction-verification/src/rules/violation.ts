/** One broken rule, named by the JSON path of the checkout-body field it is about. */
export interface Violation {
  field: string;
  rule: string;
  message: string;
}

export function violation(field: string, rule: string, message: string): Violation {
  return { field, rule, message };
}
