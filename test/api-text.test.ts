import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  describeCharacter,
  findCharacter,
  hasUnsafeCharacter,
  isWellFormed,
  printable,
  redactSecret,
  REDACTED,
  sanitizeText,
  truncate,
} from "../src/api/text";

// Every character the one pattern must catch, by name.
const UNSAFE: readonly [string, string][] = [
  ["NUL", "\u0000"],
  ["ESC", "\u001b"],
  ["LF", "\n"],
  ["CR", "\r"],
  ["TAB", "\t"],
  ["DEL", "\u007f"],
  ["C1 CSI", "\u009b"],
  ["C1 NEL", "\u0085"],
  ["ALM", "\u061c"],
  ["ZWSP", "\u200b"],
  ["ZWNJ", "\u200c"],
  ["ZWJ", "\u200d"],
  ["LRM", "\u200e"],
  ["RLM", "\u200f"],
  ["LINE SEPARATOR", "\u2028"],
  ["PARAGRAPH SEPARATOR", "\u2029"],
  ["LRE", "\u202a"],
  ["RLE", "\u202b"],
  ["PDF", "\u202c"],
  ["LRO", "\u202d"],
  ["RLO", "\u202e"],
  ["WORD JOINER", "\u2060"],
  ["LRI", "\u2066"],
  ["RLI", "\u2067"],
  ["FSI", "\u2068"],
  ["PDI", "\u2069"],
  ["BOM / ZWNBSP", "\ufeff"],
];

describe("the one unsafe-character pattern", () => {
  it.each(UNSAFE)("catches %s", (_name, char) => {
    expect(hasUnsafeCharacter(`a${char}b`)).toBe(true);
    expect(sanitizeText(`a${char}b`)).toBe("a b");
    expect(printable(`a${char}b`)).toBe("a?b");
  });

  it("leaves ordinary text alone, non-ASCII letters and emoji included", () => {
    const text = "llama-3 Ünïcödé 模型 🚀 (ok) \"q\" 'a' \\ / {x}";
    expect(hasUnsafeCharacter(text)).toBe(false);
    expect(sanitizeText(text)).toBe(text);
    expect(printable(text)).toBe(text);
  });

  it("turns a run into one space for messages, but one '?' per character for identifiers", () => {
    expect(sanitizeText("a\r\n\u202e\u2028b")).toBe("a b");
    expect(printable("a\r\n\u202e\u2028b")).toBe("a????b");
    expect(sanitizeText("\u202e  padded \n")).toBe("padded");
  });

  it("breaks GitHub's legacy ##[command] markers, which the runner reads anywhere in a line", () => {
    expect(sanitizeText("x ##[add-path]/evil ##[error]y")).toBe("x ## [add-path]/evil ## [error]y");
    expect(sanitizeText("#\n#[error]")).toBe("# #[error]");
  });

  it("replaces lone surrogates, keeps pairs", () => {
    expect(isWellFormed("a\ud83d\ude80b")).toBe(true);
    expect(isWellFormed("a\ud83db")).toBe(false);
    expect(isWellFormed("\ude80")).toBe(false);
    expect(printable("a\ud83db\ude80")).toBe("a?b?");
    expect(sanitizeText("a\ud83d")).toBe("a");
  });

  it("is written once: no other file of src/api spells a control-character class", () => {
    const dir = join(__dirname, "../src/api");
    const offenders = readdirSync(dir)
      .filter((name) => name.endsWith(".ts") && name !== "text.ts")
      .filter((name) =>
        /\\u0000|\\x00|\\u001f|\\x1f|no-control-regex/i.test(readFileSync(join(dir, name), "utf8")),
      );
    expect(offenders).toEqual([]);
  });
});

describe("bounds and secrets", () => {
  it("cuts at the bound with a mark, never inside a surrogate pair", () => {
    expect(truncate("abcdef", 3)).toBe("abc…");
    expect(truncate("abc", 3)).toBe("abc");
    expect(truncate("ab\ud83d\ude80cd", 3)).toBe("ab…");
    expect(sanitizeText("x".repeat(400))).toBe(`${"x".repeat(300)}…`);
  });

  it("redacts every occurrence, before any cut", () => {
    const secret = "tok-0123456789";
    expect(redactSecret(`${secret}/${secret}`, secret)).toBe(`${REDACTED}/${REDACTED}`);
    const cut = sanitizeText(redactSecret(`${"x".repeat(295)}${secret}`, secret));
    expect(cut).not.toContain("tok-");
  });
});

describe("naming a character without showing it", () => {
  it.each([
    ["\u200b", "U+200B (an invisible or control character)"],
    ["\u0007", "U+0007 (an invisible or control character)"],
    [" ", "U+0020 (whitespace)"],
    ["\u00a0", "U+00A0 (whitespace)"],
    ["€", "U+20AC (a non-ASCII character)"],
    ["\u{1f600}", "U+1F600 (a non-ASCII character)"],
    ["\ud800", "U+D800 (a lone UTF-16 surrogate, not a character)"],
    ["A", "U+0041 (a visible ASCII character)"],
  ])("describes %j as %s", (char, description) => {
    expect(describeCharacter(char)).toBe(description);
  });

  it("finds the first refused character by 1-based code point position", () => {
    expect(findCharacter("a\u{1f600}b\u200bc", hasUnsafeCharacter)).toEqual({
      position: 4,
      description: "U+200B (an invisible or control character)",
    });
    expect(findCharacter("abc", hasUnsafeCharacter)).toBeUndefined();
  });
});
