/** Level meter scale: an RMS value (0–1) as a 0–1 bar over the -60…0 dBFS range people can hear in speech. */
export function meterFraction(rms: number, floorDb = -60): number {
  if (!(rms > 0)) return 0;
  const db = 20 * Math.log10(rms);
  return Math.max(0, Math.min(1, (db - floorDb) / -floorDb));
}
