import { type Violation, violation } from "./violation.js";

export interface UserInput {
  name: string;
  /** E-mail address or phone number. */
  contact: string;
}

export const MAX_NAME_LENGTH = 100;
export const MAX_EMAIL_LENGTH = 254;
const MAX_EMAIL_LOCAL_LENGTH = 64;
const MAX_PHONE_LENGTH = 32;

// Pragmatic subset of RFC 5321: dot-atom local part, dotted hostname with a TLD of 2+ letters.
const EMAIL =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
// Optional leading +, then digits with common visual separators; digit count is checked separately.
const PHONE = /^\+?[\d\s().-]+$/;

export function isValidEmail(value: string): boolean {
  if (value.length > MAX_EMAIL_LENGTH || !EMAIL.test(value)) return false;
  const at = value.lastIndexOf("@");
  return at <= MAX_EMAIL_LOCAL_LENGTH;
}

/** E.164-ish: optional +, 7 to 15 digits, spaces, dashes, dots and parentheses allowed. */
export function isValidPhone(value: string): boolean {
  if (value.length > MAX_PHONE_LENGTH || !PHONE.test(value)) return false;
  const digits = value.replace(/\D/g, "").length;
  return digits >= 7 && digits <= 15;
}

/** Checks the user's name and contact; returns every violation. */
export function checkUser(user: UserInput): Violation[] {
  const violations: Violation[] = [];

  const rawName: unknown = user?.name;
  const name = typeof rawName === "string" ? rawName.trim() : "";
  if (name === "") {
    violations.push(violation("user.name", "required", "user.name is required."));
  } else {
    // Count code points so that names in non-Latin scripts are not penalised for UTF-16 length.
    if ([...name].length > MAX_NAME_LENGTH) {
      violations.push(
        violation("user.name", "length", `user.name must be at most ${MAX_NAME_LENGTH} characters.`),
      );
    }
    if (!/\p{L}/u.test(name)) {
      violations.push(violation("user.name", "format", "user.name must contain at least one letter."));
    }
  }

  const rawContact: unknown = user?.contact;
  const contact = typeof rawContact === "string" ? rawContact.trim() : "";
  if (contact === "") {
    violations.push(violation("user.contact", "required", "user.contact is required."));
  } else if (!isValidEmail(contact) && !isValidPhone(contact)) {
    violations.push(
      violation("user.contact", "format", "user.contact must be a valid e-mail address or phone number."),
    );
  }

  return violations;
}
