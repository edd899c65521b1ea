export {
  type BillingAddressCheck,
  type BillingAddressInput,
  checkBillingAddress,
  isValidPostalCode,
  MAX_LENGTHS,
  resolveCountry,
} from "./billing-address.js";
export { type CardCheck, type CardInput, checkCard, normalizeCardNumber } from "./card.js";
export {
  allowedLengths,
  BRANDS,
  type BrandSpec,
  brandDisplayName,
  type CardBrand,
  cvvLength,
  detectBrand,
  isAllowedLength,
} from "./card-brand.js";
export {
  checkExpiry,
  type Expiry,
  type ExpiryParse,
  expiryEnd,
  isExpired,
  MAX_YEARS_AHEAD,
  parseExpiry,
} from "./expiry.js";
export { checkItems, DEFAULT_MAX_QUANTITY, type ItemLine, MAX_LINES } from "./items.js";
export { luhnCheckDigit, luhnValid } from "./luhn.js";
export {
  checkUser,
  isValidEmail,
  isValidPhone,
  MAX_EMAIL_LENGTH,
  MAX_NAME_LENGTH,
  type UserInput,
} from "./user.js";
export { type Violation, violation } from "./violation.js";
