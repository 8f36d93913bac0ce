// Where a zip (a jar) is cut before content-defined chunking (DESIGN §13). A jar's entries are
// compressed one by one, so an unchanged entry keeps its compressed bytes from build to build, but
// its local header (timestamp, and the CRC of a neighbour's data descriptor) and its place in the
// file may change. Cutting at every structure boundary and chunking each segment from its own
// start makes an unchanged entry body chunk identically wherever it sits and whatever its header
// says. Hand-written rather than a zip library: we need the raw offsets of headers and central
// directory records, which zip readers hide, and nothing is decompressed.
//
// Only what the file itself proves is used: offsets come from the central directory, each body's
// start from its local header. Anything unreadable (no end record, Zip64, a directory outside the
// file) means "not a zip" and the caller chunks plainly; a damaged local header only loses that
// entry's body cut. Either costs bandwidth, never correctness: assembled files are verified
// against the manifest's SHA-256.

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;

/** Offsets where a zip's records start, sorted, each inside (0, size); undefined when `data` is not a zip read here. */
export function zipCutPoints(data: Uint8Array): number[] | undefined {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const eocd = findEndRecord(view);
  if (eocd === undefined) return undefined;
  const count = view.getUint16(eocd + 10, true);
  const directorySize = view.getUint32(eocd + 12, true);
  const directory = view.getUint32(eocd + 16, true);
  if (count === 0xffff || directory === 0xffffffff || directorySize === 0xffffffff) return undefined; // Zip64
  if (directory + directorySize > eocd) return undefined;
  const cuts = new Set<number>([directory, eocd]);
  let at = directory;
  for (let entry = 0; entry < count; entry += 1) {
    if (at + CENTRAL_SIZE > eocd || view.getUint32(at, true) !== CENTRAL_SIGNATURE) return undefined;
    const local = view.getUint32(at + 42, true);
    if (local >= directory) return undefined;
    cuts.add(at).add(local);
    const body = bodyStart(view, local, directory);
    if (body !== undefined) cuts.add(body);
    at += CENTRAL_SIZE + view.getUint16(at + 28, true) + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  if (at > eocd) return undefined;
  return [...cuts].filter((cut) => cut > 0 && cut < data.length).sort((a, b) => a - b);
}

// The end of central directory record: its signature, searched backwards over the longest comment a zip may carry.
function findEndRecord(view: DataView): number | undefined {
  const last = view.byteLength - EOCD_SIZE;
  for (let at = last; at >= 0 && at >= last - 0xffff; at -= 1) {
    if (view.getUint32(at, true) === EOCD_SIGNATURE && at + EOCD_SIZE + view.getUint16(at + 20, true) === view.byteLength) return at;
  }
  return undefined;
}

// Where an entry's data begins, read from its local header (its extra field may differ from the central one).
function bodyStart(view: DataView, local: number, directory: number): number | undefined {
  if (local + LOCAL_SIZE > directory || view.getUint32(local, true) !== LOCAL_SIGNATURE) return undefined;
  const start = local + LOCAL_SIZE + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
  return start <= directory ? start : undefined;
}
