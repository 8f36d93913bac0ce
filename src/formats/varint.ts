// Unsigned LEB128 varints (7 bits a byte, low bits first), as protobuf writes them: small numbers
// take one or two bytes. Arithmetic, not bit operators, so values up to 2^53 survive.

/** Appends `value` (a safe non-negative integer) to `out`. */
export function writeVarint(out: number[], value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint of ${value}`);
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) + 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
}

/** Reads a varint at `cursor.at` and moves past it; throws when it is cut short or too large. */
export function readVarint(data: Uint8Array, cursor: { at: number }): number {
  let value = 0;
  for (let shift = 1; ; shift *= 0x80) {
    const byte = data[cursor.at];
    if (byte === undefined) throw new Error(`varint at byte ${cursor.at} is cut short`);
    cursor.at += 1;
    value += (byte & 0x7f) * shift;
    if (!Number.isSafeInteger(value)) throw new Error(`varint ending at byte ${cursor.at} is too large`);
    if (byte < 0x80) return value;
  }
}
