/**
 * The documentation a reader navigates: every relative link of every Markdown file in the
 * repository (inline, reference-style and images) leads to a file or folder that exists, and every
 * `#anchor` to a heading of the Markdown file it names, slugged as GitHub slugs headings. Links are
 * read with `markdown-it`, so links inside code are not links. The README stays a first read.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import MarkdownIt from "markdown-it";
import { parseCommandLine, USAGE } from "../src/cli/main";

const repo = resolve(__dirname, "..");
/** Folders that hold no documentation of this repository (dependencies, build output). */
const SKIPPED_DIRS = new Set(["node_modules", "dist", "cdktf.out", "coverage"]);
const README_MAX_LINES = 350;

const md = new MarkdownIt({ html: false });
type Token = ReturnType<typeof md.parse>[number];
type References = NonNullable<Parameters<typeof md.parse>[1]["references"]>;

/** A link as written in a Markdown file: where it points, and the line it is on (1-based). */
interface Link {
  readonly target: string;
  readonly line: number | undefined;
}

/** Every Markdown file of the repository, as paths relative to it, sorted. */
function markdownFiles(dir = repo): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        return entry.name.startsWith(".") || SKIPPED_DIRS.has(entry.name)
          ? []
          : markdownFiles(path);
      }
      return entry.isFile() && entry.name.endsWith(".md") ? [relative(repo, path)] : [];
    })
    .sort();
}

/** Parses Markdown; `env` receives the reference definitions (`[label]: target`). */
function parse(text: string): { tokens: Token[]; references: References } {
  const env: { references?: References } = {};
  const tokens = md.parse(text, env);
  return { tokens, references: env.references ?? {} };
}

/** The links and images of a Markdown text: inline, reference-style uses, and definitions. */
function linksOf(text: string): Link[] {
  const { tokens, references } = parse(text);
  const lines = text.split("\n");
  /** The first line from `from` (0-based) to `to` that holds `target` as written, 1-based. */
  const lineOf = (target: string, from = 0, to = lines.length): number | undefined => {
    const found = lines.slice(from, to).findIndex((line) => line.includes(target));
    return found === -1 ? (from > 0 ? from + 1 : undefined) : from + found + 1;
  };
  const links: Link[] = [];
  let block: [number, number] = [0, lines.length];
  for (const token of tokens) {
    if (token.map) block = [token.map[0], token.map[1]];
    for (const child of token.children ?? []) {
      const target =
        child.type === "link_open"
          ? child.attrGet("href")
          : child.type === "image"
            ? child.attrGet("src")
            : null;
      if (target !== null) {
        links.push({ target: String(target), line: lineOf(String(target), ...block) });
      }
    }
  }
  // Definitions are checked even when no link uses them.
  for (const { href } of Object.values(references)) {
    links.push({ target: href, line: lineOf(`]: ${href}`) });
  }
  return links;
}

/** The text GitHub slugs for a heading: its inline content without markup (backticks and all). */
function headingText(inline: Token): string {
  return (inline.children ?? [])
    .filter((child: Token) => ["text", "code_inline", "text_special"].includes(child.type))
    .map((child: Token) => child.content)
    .join("");
}

/**
 * The anchors of a Markdown text's headings, as GitHub makes them (github-slugger): lowercase,
 * punctuation removed except `-` and `_`, each space a `-`; a repeated slug gets `-1`, `-2`...
 */
function headingSlugs(text: string): string[] {
  const { tokens } = parse(text);
  const taken = new Map<string, number>();
  const slugs: string[] = [];
  tokens.forEach((token, index) => {
    if (token.type !== "heading_open") return;
    const base = headingText(tokens[index + 1])
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
      .replace(/ /g, "-");
    let slug = base;
    while (taken.has(slug)) {
      const count = (taken.get(base) ?? 0) + 1;
      taken.set(base, count);
      slug = `${base}-${count}`;
    }
    taken.set(slug, 0);
    slugs.push(slug);
  });
  return slugs;
}

/** `%`-decoded text, as written if it is not valid `%`-encoding. */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Whether a link leaves the repository: a scheme (`https:`, `mailto:`...) or `//host`. */
function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//");
}

/** Why a relative link of `file` (relative to the repository) does not resolve, or undefined. */
function brokenBecause(file: string, target: string): string | undefined {
  const hashAt = target.indexOf("#");
  const pathPart = (hashAt === -1 ? target : target.slice(0, hashAt)).replace(/\?.*$/, "");
  const anchor = hashAt === -1 ? undefined : decoded(target.slice(hashAt + 1));
  const path = decoded(pathPart);
  const resolved =
    path === ""
      ? join(repo, file)
      : path.startsWith("/")
        ? join(repo, path)
        : resolve(repo, dirname(file), path);
  if (resolved !== repo && !resolved.startsWith(repo + sep)) return "points outside the repository";
  if (!existsSync(resolved)) return `no such file or folder: ${relative(repo, resolved)}`;
  if (anchor === undefined || !resolved.endsWith(".md") || !statSync(resolved).isFile()) {
    return undefined; // Anchors into code (GitHub's #L10) or folders are not headings.
  }
  if (anchor === "") return "an empty #anchor";
  const text = readFileSync(resolved, "utf8");
  // Headings, and the `<a id="...">` anchors that generated references (docs/api) set.
  const slugs = [
    ...headingSlugs(text),
    ...[...text.matchAll(/<a [^>]*\bid="([^"]+)"/g)].map((m) => m[1]),
  ];
  return slugs.includes(anchor)
    ? undefined
    : `no heading #${anchor} in ${relative(repo, resolved)} (its anchors: ${slugs.join(", ")})`;
}

/** Every broken relative link of the given Markdown files, as `file:line: (target): why`. */
function brokenLinks(files: readonly string[]): string[] {
  const broken = new Set<string>();
  for (const file of files) {
    for (const { target, line } of linksOf(readFileSync(join(repo, file), "utf8"))) {
      if (isExternal(target)) continue;
      const why = brokenBecause(file, target);
      if (why) broken.add(`${file}${line === undefined ? "" : `:${line}`}: (${target}): ${why}`);
    }
  }
  return [...broken];
}

describe("Markdown links", () => {
  const files = markdownFiles();

  it("covers the README, the changelog and every docs page", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "README.md",
        "CHANGELOG.md",
        ...readdirSync(join(repo, "docs"))
          .filter((name) => name.endsWith(".md"))
          .map((name) => join("docs", name)),
      ]),
    );
    expect(files.filter((file) => file.startsWith(`docs${sep}`)).length).toBeGreaterThanOrEqual(7);
  });

  it("all resolve: every relative link to a file or folder, every #anchor to a heading", () => {
    expect(brokenLinks(files)).toEqual([]);
  });
});

describe("the link check", () => {
  it("slugs headings as GitHub does: punctuation and backticks dropped, repeats numbered", () => {
    const text = [
      "# `CoreweaveDeploymentData`",
      "## Lookup modes: live, record, replay",
      "## Errors and retries",
      "## Errors and retries",
      "## Errors and retries",
      "### What `wait --json` prints (exit 0/1)",
      "## snake_case & **bold** [link](x.md)",
    ].join("\n\n");
    expect(headingSlugs(text)).toEqual([
      "coreweavedeploymentdata",
      "lookup-modes-live-record-replay",
      "errors-and-retries",
      "errors-and-retries-1",
      "errors-and-retries-2",
      "what-wait---json-prints-exit-01",
      "snake_case--bold-link",
    ]);
  });

  it("reads inline, reference-style and image links, and none inside code", () => {
    const text = [
      "See [a](a.md#x), ![b](b.png) and [c][ref].",
      "",
      "[ref]: c.md",
      "[unused]: d.md",
      "",
      "```md",
      "[in a fence](fenced.md)",
      "```",
      "",
      "    [indented](indented.md)",
      "",
      "Inline code: `[code](code.md)`.",
    ].join("\n");
    expect(linksOf(text).map(({ target }) => target)).toEqual([
      "a.md#x",
      "b.png",
      "c.md",
      "c.md",
      "d.md",
    ]);
  });

  it("skips external links and reports missing files, headings and escapes from the repository", () => {
    expect(["https://x.org/a.md", "mailto:a@b.c", "//cdn.example/x"].every(isExternal)).toBe(true);
    expect(isExternal("docs/cli.md")).toBe(false);
    expect(brokenBecause("README.md", "docs/cli.md#usage")).toBeUndefined();
    expect(brokenBecause("docs/cli.md", "../examples/pipelines")).toBeUndefined();
    expect(brokenBecause("docs/cli.md", "#many-deployments-at-once")).toBeUndefined();
    expect(brokenBecause("docs/cli.md", "examples/pipelines")).toMatch(/^no such file or folder/);
    expect(brokenBecause("README.md", "docs/cli.md#no-such-heading")).toMatch(
      /^no heading #no-such-heading in docs\/cli\.md \(its anchors: the-pipeline-cli, usage, /,
    );
    expect(brokenBecause("README.md", "#performance")).toMatch(/^no heading #performance/);
    expect(brokenBecause("README.md", "../outside.md")).toBe("points outside the repository");
  });
});

describe("README.md", () => {
  it(`stays a first read: under ${README_MAX_LINES} lines, the reference lives in docs/`, () => {
    const readme = readFileSync(join(repo, "README.md"), "utf8");
    expect(readme.replace(/\n$/, "").split("\n").length).toBeLessThan(README_MAX_LINES);
  });
});

describe("docs pages", () => {
  const pages = readdirSync(join(repo, "docs")).filter((name) => name.endsWith(".md"));

  it.each(pages)("%s starts with a one-line H1, then a link back to the README", (page) => {
    const { tokens } = parse(readFileSync(join(repo, "docs", page), "utf8"));
    const [open, , , paragraph, inline] = tokens;
    expect([open.type, open.tag, open.map]).toEqual(["heading_open", "h1", [0, 1]]);
    expect(paragraph.type).toBe("paragraph_open");
    expect(inline.children?.[0]?.attrGet("href")).toBe("../README.md");
  });
});

/**
 * Every `coreweave-inference` command shown in a code block of the docs (`npx` or not) is one the
 * CLI accepts: its command and flags parse with the CLI's own parser, so a copied line does not
 * fail on a typo or a flag another command takes.
 */
describe("CLI commands in the docs", () => {
  /** Each `coreweave-inference ...` command line of the fenced code blocks, as arguments. */
  function commandsIn(file: string): { line: string; args: string[] }[] {
    const { tokens } = parse(readFileSync(join(repo, file), "utf8"));
    return tokens
      .filter((token) => token.type === "fence" || token.type === "code_block")
      .flatMap((token) => token.content.split("\n"))
      .flatMap((line) => {
        // A command line: the command first, perhaps after a prompt or variables (`A=b npx ...`).
        const match =
          /^\s*(?:\$\s+)?(?:[A-Z_]+=\S+\s+)*(?:npx\s+)?coreweave-inference ([^|>#]*)/.exec(line);
        if (!match || /[[<]/.test(match[1])) return []; // a synopsis, not a command
        const args = match[1]
          .trim()
          .split(/\s+/)
          .map((arg) => arg.replace(/^"(.*)"$/, "$1"));
        return [{ line: line.trim(), args }];
      });
  }
  const files = markdownFiles().filter((file) => file === "README.md" || file.startsWith("docs"));
  const commands = files.flatMap((file) => commandsIn(file).map((c) => ({ file, ...c })));

  it("are found in the README and the docs", () => {
    expect(commands.length).toBeGreaterThanOrEqual(8);
    expect(new Set(commands.map(({ args }) => args[0]))).toEqual(
      new Set(["get", "wait", "lookups"]),
    );
  });

  it("parse with the CLI's own flags", () => {
    const refused = commands.flatMap(({ file, line, args }) => {
      try {
        parseCommandLine(args);
        return [];
      } catch (error) {
        return [`${file}: ${line}: ${(error as Error).message}`];
      }
    });
    expect(refused).toEqual([]);
  });

  it("include the CLI's usage, as --help prints it", () => {
    expect(readFileSync(join(repo, "docs", "cli.md"), "utf8")).toContain(
      `\`\`\`\n${USAGE}\n\`\`\``,
    );
  });
});
