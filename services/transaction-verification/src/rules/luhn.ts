const DIGITS = /^\d+$/;

function luhnSum(digits: string, doubleRightmost: boolean): number {
  let sum = 0;
  let double = doubleRightmost;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum;
}

/** True when `digits` is a non-empty string of ASCII digits whose Luhn (mod 10) checksum is 0. */
export function luhnValid(digits: string): boolean {
  if (!DIGITS.test(digits)) return false;
  return luhnSum(digits, false) % 10 === 0;
}

/** The Luhn check digit to append to `payload` (a string of ASCII digits, possibly empty). */
export function luhnCheckDigit(payload: string): string {
  if (payload !== "" && !DIGITS.test(payload)) {
    throw new TypeError("luhnCheckDigit: payload must contain only digits");
  }
  // The check digit will sit in the rightmost position, so the payload's rightmost digit is doubled.
  return String((10 - (luhnSum(payload, true) % 10)) % 10);
}
