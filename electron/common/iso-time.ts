/**
 * `new Date(ms).toISOString()` without asking V8's Date for it. Reading any
 * field of a Date — even a UTC one, even toISOString — makes V8 build its
 * time-zone cache from ICU, which pages ≈ 0.6 MB of ICU's zone data and
 * ≈ 0.4 MB of its code into the process for good. An idle phone formats
 * one time at start (its TLS certificate's expiry, in app.snapshot), so
 * this is plain arithmetic on the epoch instead (days → civil date, the
 * proleptic Gregorian calendar Date uses). Times outside years 0–9999 go
 * to Date, whose format differs there (±YYYYYY).
 */
const DAY_MS = 86_400_000;
const MAX_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z
const MIN_MS = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export function isoTime(ms: number): string {
  if (!Number.isFinite(ms) || ms > MAX_MS || ms < MIN_MS) return new Date(ms).toISOString();
  const t = Math.trunc(ms);
  const days = Math.floor(t / DAY_MS);
  const inDay = t - days * DAY_MS;
  // Days since 1970-01-01 → year, month, day (H. Hinnant's civil_from_days).
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const h = Math.floor(inDay / 3_600_000);
  const min = Math.floor((inDay % 3_600_000) / 60_000);
  const s = Math.floor((inDay % 60_000) / 1000);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(h, 2)}:${pad(min, 2)}:${pad(s, 2)}.${pad(inDay % 1000, 3)}Z`;
}
