// Cleaning pasted text and showing values in error messages, shared by the
// core parsers.

// Zero-width and direction marks that copying adds, from Windows dialogs,
// web pages and files saved with a byte order mark. The ranges are ZERO
// WIDTH SPACE to RIGHT-TO-LEFT MARK, the bidirectional embeddings and
// isolates, WORD JOINER and the invisible operators, the BOM, SOFT HYPHEN.
const INVISIBLE =
  /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u00AD]/;

// Spaces other than U+0020 that web pages use between groups of digits.
const OTHER_SPACE = /[\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/;

// Either kind, to find out in one pass whether the text needs cleaning.
const INVISIBLE_OR_OTHER_SPACE = new RegExp(
  `${INVISIBLE.source}|${OTHER_SPACE.source}`,
);
const INVISIBLE_ALL = new RegExp(INVISIBLE.source, "g");
const OTHER_SPACE_ALL = new RegExp(OTHER_SPACE.source, "g");

/** Text with invisible characters removed, and where each unit came from. */
export interface CleanText {
  /** The text without invisible characters, other spaces turned into U+0020. */
  text: string;
  /** For each UTF-16 unit of `text`, its index in the original text. */
  offsets: number[];
}

/**
 * Removes invisible characters and turns other spaces into plain spaces,
 * keeping a map back to positions in the original text.
 */
export function cleanText(original: string): CleanText {
  if (!INVISIBLE_OR_OTHER_SPACE.test(original)) {
    return {
      text: original,
      offsets: Array.from({ length: original.length }, (_, index) => index),
    };
  }
  let text = "";
  const offsets: number[] = [];
  for (let index = 0; index < original.length; index++) {
    const char = original[index] as string;
    if (INVISIBLE.test(char)) continue;
    text += OTHER_SPACE.test(char) ? " " : char;
    offsets.push(index);
  }
  return { text, offsets };
}

/**
 * Removes invisible characters and turns other spaces into plain spaces, as
 * {@linkcode cleanText} does, without the map back to positions. Its cost
 * stays linear for inputs of megabytes.
 */
export function stripInvisible(original: string): string {
  return original.replace(INVISIBLE_ALL, "").replace(OTHER_SPACE_ALL, " ");
}

/** Returns true when the text contains a character {@linkcode cleanText} removes. */
export function hasInvisible(text: string): boolean {
  return INVISIBLE.test(text);
}

/**
 * Quotes a value for an error message: invisible and control characters are
 * shown as `<U+200E>`, and a long value is cut to `max` characters plus "…".
 */
export function quoteForMessage(value: string, max = 60): string {
  // Only the start is read, so quoting a value of megabytes stays cheap. A
  // code point takes at most two UTF-16 units, and the one extra code point
  // shows whether anything was cut.
  const chars = [...value.slice(0, 2 * max + 2)];
  const visible = chars.length > max ? chars.slice(0, max) : chars;
  const text = visible.map((char) =>
    isHidden(char) ? `<${codePoint(char)}>` : char
  )
    .join("");
  return `"${text}${chars.length > max ? "…" : ""}"`;
}

/**
 * Describes one character for an error message: `"G"` for a visible ASCII
 * character, `"В" (U+0412)` for any other visible one, and `U+200E` for an
 * invisible or control character.
 */
export function describeCharacter(char: string): string {
  if (isHidden(char)) return codePoint(char);
  const code = char.codePointAt(0) ?? 0;
  return code < 0x80 ? `"${char}"` : `"${char}" (${codePoint(char)})`;
}

/** Returns the code point at a UTF-16 index, whole even when it is a surrogate pair. */
export function characterAt(text: string, index: number): string {
  const code = text.codePointAt(index);
  return code === undefined ? "" : String.fromCodePoint(code);
}

function isHidden(char: string): boolean {
  return INVISIBLE.test(char) || OTHER_SPACE.test(char) ||
    /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u.test(char) ||
    (char !== " " && /\s/.test(char));
}

function codePoint(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  return `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
}
