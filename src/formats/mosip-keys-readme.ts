// `.mosipkeys/readme.txt`, written by MOSIP's registration client next to the machine's keys: lines
// of `Label: value`, among them the machine name and the key index the MOSIP server knows the
// machine by. Read leniently (label case and spaces ignored), as the wording differs by version.

/** The station identity MOSIP keeps in `.mosipkeys/readme.txt`. */
export interface MosipKeysIdentity {
  machineName: string | null;
  keyIndex: string | null;
}

/** Reads the machine name and key index from the text of readme.txt; missing labels give null. */
export function parseMosipKeysReadme(text: string): MosipKeysIdentity {
  const identity: MosipKeysIdentity = { machineName: null, keyIndex: null };
  for (const line of text.split(/\r\n|\r|\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const label = line.slice(0, colon).replace(/[\s_-]/g, '').toLowerCase();
    const value = line.slice(colon + 1).trim().slice(0, 200);
    if (value === '') continue;
    if (label === 'machinename') identity.machineName ??= value;
    else if (label === 'keyindex') identity.keyIndex ??= value;
  }
  return identity;
}
