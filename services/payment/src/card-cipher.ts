// The vault's cryptography: card numbers are sealed with AES-256-GCM before they enter a Raft entry,
// and tokens are an HMAC of the card and its customer, so the same card for the same customer gets
// the same token (a retried TokenizeCard is idempotent) while a token reveals nothing of the number.
// Both keys are derived from PAYMENT_VAULT_KEY with HKDF, so one secret cannot serve both purposes.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";

const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = "v1";

function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "bookstore-payment-vault", purpose, 32));
}

export class CardCipher {
  private readonly sealKey: Buffer;
  private readonly tokenKey: Buffer;

  constructor(secret: string) {
    this.sealKey = deriveKey(secret, "card-number-encryption");
    this.tokenKey = deriveKey(secret, "card-token");
  }

  /** The card's token for this customer: `tok_` + 32 base64url characters (192 bits of HMAC). */
  tokenFor(cardNumber: string, expiry: string, customerId: string): string {
    const mac = createHmac("sha256", this.tokenKey).update(`${cardNumber}|${expiry}|${customerId}`).digest();
    return `tok_${mac.subarray(0, 24).toString("base64url")}`;
  }

  /** Encrypts a card number; the token is authenticated with it (a sealed number moved to another token fails to open). */
  seal(cardNumber: string, token: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.sealKey, iv);
    cipher.setAAD(Buffer.from(token));
    const body = Buffer.concat([cipher.update(cardNumber, "utf8"), cipher.final()]);
    return `${FORMAT}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url")}`;
  }

  /** The card number sealed for `token`; throws if the key, the token or the ciphertext is wrong. */
  open(sealed: string, token: string): string {
    const [format, payload] = sealed.split(".");
    if (format !== FORMAT || !payload) throw new Error("sealed card: unknown format");
    const raw = Buffer.from(payload, "base64url");
    const decipher = createDecipheriv("aes-256-gcm", this.sealKey, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(token));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      "utf8",
    );
  }
}
