// TOTP as an authenticator app computes it (RFC 6238 over RFC 4226: HMAC-SHA-1, 6 digits, 30-second steps), from the
// base32 secret Cognito's AssociateSoftwareToken returns, with node:crypto only. `selfTest()` checks it against the
// RFC 6238 appendix B vectors (SHA-1, truncated to 6 digits); tests compare it with pyotp too.
import crypto from "node:crypto";

export const STEP_SECONDS = 30;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32 (case-insensitive, padding and spaces ignored) → bytes. */
export function base32Decode(text) {
  const clean = String(text).replace(/[\s=]/g, "").toUpperCase();
  const out = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const i = ALPHABET.indexOf(ch);
    if (i < 0) throw new Error(`not base32: ${JSON.stringify(ch)} in ${JSON.stringify(text)}`);
    value = ((value << 5) | i) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 4226 HOTP of `counter` under `key` (bytes). */
export function hotp(key, counter, digits = 6) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const h = crypto.createHmac("sha1", key).update(msg).digest();
  const off = h[h.length - 1] & 0x0f;
  const bin = ((h[off] & 0x7f) << 24) | (h[off + 1] << 16) | (h[off + 2] << 8) | h[off + 3];
  return String(bin % 10 ** digits).padStart(digits, "0");
}

/** The time step of a Unix time in seconds. */
export const stepOf = (seconds) => Math.floor(seconds / STEP_SECONDS);

/** The code of time step `step` for a base32 secret. */
export const totpAtStep = (secret, step, digits = 6) => hotp(base32Decode(secret), step, digits);

/** The code for a Unix time in seconds. */
export const totpAt = (secret, seconds, digits = 6) => totpAtStep(secret, stepOf(seconds), digits);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Hands out codes that are never replayed: each from a time step later than any used before (`lastStep`, which a
 * caller may seed with the last step the pytest side used) and with at least `minLeft` seconds of its window left,
 * waiting for the next window when needed (at most one window).
 */
export class FreshCodes {
  constructor(lastStep = -1, minLeft = 4) {
    this.lastStep = lastStep;
    this.minLeft = minLeft;
    this.used = [];
  }

  async next(secret) {
    for (;;) {
      const now = Date.now() / 1000;
      const step = stepOf(now);
      const left = STEP_SECONDS - (now % STEP_SECONDS);
      if (step > this.lastStep && left >= this.minLeft) {
        this.lastStep = step;
        const code = totpAtStep(secret, step);
        this.used.push({ step, code });
        return code;
      }
      await sleep((left + 0.05) * 1000);
    }
  }

  /** A six-digit code that is no valid code of the two steps either side of now. */
  wrong(secret) {
    const step = stepOf(Date.now() / 1000);
    const near = new Set();
    for (let s = step - 2; s <= step + 2; s++) near.add(totpAtStep(secret, s));
    let n = Number(totpAtStep(secret, step));
    for (;;) {
      n = (n + 111111) % 1000000;
      const c = String(n).padStart(6, "0");
      if (!near.has(c)) return c;
    }
  }
}

/** RFC 6238 appendix B, SHA-1 rows (secret "12345678901234567890"), last six digits of each 8-digit value. */
export function selfTest() {
  const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // base32("12345678901234567890")
  const vectors = [
    [59, "94287082"], [1111111109, "07081804"], [1111111111, "14050471"],
    [1234567890, "89005924"], [2000000000, "69279037"], [20000000000, "65353130"],
  ];
  const failures = [];
  for (const [t, want] of vectors) {
    const got8 = totpAt(secret, t, 8);
    const got6 = totpAt(secret, t, 6);
    if (got8 !== want || got6 !== want.slice(2)) failures.push({ t, want, got8, got6 });
  }
  if (base32Decode(secret).toString("latin1") !== "12345678901234567890") failures.push({ base32: "decode" });
  return { vectors: vectors.length, failures };
}
