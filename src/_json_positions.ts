// A strict JSON scanner that finds where a value sits in the text, so errors
// about a hand-edited file can name a line and column. `JSON.parse` reads the
// values; this scanner only supplies positions, because the runtimes word
// JSON.parse errors differently and some messages carry no position at all.

/** A step into a JSON document: an object key or an array index. */
export type JsonPathStep = string | number;

/** A syntax problem at a zero-based offset of the text. */
export class JsonSyntaxError extends Error {
  /** Zero-based offset of the problem in the text. */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.name = "JsonSyntaxError";
    this.offset = offset;
  }
}

/** One-based line and column of an offset. */
export function lineAndColumn(
  text: string,
  offset: number,
): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf("\n") + 1;
  return {
    line: before.split("\n").length,
    column: offset - lineStart + 1,
  };
}

/**
 * Scans JSON text and returns the offset at which each value starts, keyed
 * by its path joined with {@linkcode pathKey}.
 *
 * @throws {JsonSyntaxError} At the first character that is not valid JSON,
 * or at an object key that appears twice in the same object.
 */
export function scanJsonPositions(text: string): Map<string, number> {
  const positions = new Map<string, number>();
  let index = 0;

  const fail = (message: string, at = index): never => {
    throw new JsonSyntaxError(message, at);
  };
  const describeHere = (): string =>
    index >= text.length
      ? "the end of the file"
      : `"${text[index]}" (U+${
        text.charCodeAt(index).toString(16).toUpperCase().padStart(4, "0")
      })`;
  const skipSpace = (): void => {
    while (index < text.length && " \t\n\r".includes(text[index] ?? "")) {
      index++;
    }
  };

  const scanString = (): string => {
    const start = index;
    index++;
    while (index < text.length) {
      const char = text[index];
      if (char === '"') {
        index++;
        return JSON.parse(text.slice(start, index)) as string;
      }
      if (char === "\\") {
        const escape = text[index + 1] ?? "";
        if (escape === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(index + 2, index + 6))) {
            fail("invalid \\u escape in a string", index);
          }
          index += 6;
        } else if ('"\\/bfnrt'.includes(escape) && escape !== "") {
          index += 2;
        } else {
          fail("invalid escape in a string", index);
        }
        continue;
      }
      if (char !== undefined && char < " ") {
        fail("control character inside a string (a line break must be \\n)");
      }
      index++;
    }
    return fail("unterminated string", start);
  };

  const scanValue = (path: JsonPathStep[]): void => {
    skipSpace();
    positions.set(pathKey(path), index);
    const char = text[index];
    if (char === "{") return scanObject(path);
    if (char === "[") return scanArray(path);
    if (char === '"') {
      scanString();
      return;
    }
    const literal =
      /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/
        .exec(text.slice(index, index + 400));
    if (literal === null) fail(`expected a value but found ${describeHere()}`);
    index += literal?.[0].length ?? 0;
  };

  const scanObject = (path: JsonPathStep[]): void => {
    index++;
    const keys = new Set<string>();
    skipSpace();
    if (text[index] === "}") {
      index++;
      return;
    }
    while (true) {
      skipSpace();
      if (text[index] !== '"') {
        fail(`expected a quoted property name but found ${describeHere()}`);
      }
      const keyStart = index;
      const key = scanString();
      if (keys.has(key)) {
        fail(`property "${key}" appears twice in the same object`, keyStart);
      }
      keys.add(key);
      skipSpace();
      if (text[index] !== ":") {
        fail(`expected ":" after a property name but found ${describeHere()}`);
      }
      index++;
      scanValue([...path, key]);
      skipSpace();
      if (text[index] === ",") {
        index++;
        continue;
      }
      if (text[index] === "}") {
        index++;
        return;
      }
      fail(
        `expected "," or "}" after a property value but found ${describeHere()}`,
      );
    }
  };

  const scanArray = (path: JsonPathStep[]): void => {
    index++;
    skipSpace();
    if (text[index] === "]") {
      index++;
      return;
    }
    for (let item = 0;; item++) {
      scanValue([...path, item]);
      skipSpace();
      if (text[index] === ",") {
        index++;
        continue;
      }
      if (text[index] === "]") {
        index++;
        return;
      }
      fail(
        `expected "," or "]" after an array element but found ${describeHere()}`,
      );
    }
  };

  scanValue([]);
  skipSpace();
  if (index < text.length) {
    fail(`unexpected ${describeHere()} after the end of the JSON value`);
  }
  return positions;
}

/** Turns a path into the key {@linkcode scanJsonPositions} stores it under. */
export function pathKey(path: readonly JsonPathStep[]): string {
  return JSON.stringify(path);
}
