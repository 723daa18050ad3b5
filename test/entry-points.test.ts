/**
 * Each entry point can name what it hands out. The declarations users get (emitted here in
 * memory from the sources, as `npm run build` writes them) are walked: every type that an
 * exported signature names, and that this package declares, must be exported by that entry point.
 * The root and `/testing` may leave the API's types to `/client`, which must hold all of its own.
 */
import { join, resolve } from "node:path";
import ts from "typescript";

const repo = resolve(__dirname, "..");
/** Where the emitted declarations live, in memory only: inside the repository, so that their
 * imports of other packages resolve from its node_modules. */
const out = join(repo, ".entry-point-declarations");

const ENTRY_POINTS = { root: "index", client: "client", testing: "testing/index" } as const;
type EntryPoint = keyof typeof ENTRY_POINTS;
/** The entry points whose exports an entry point's users also have at hand. */
const BUILDS_ON: Readonly<Record<EntryPoint, readonly EntryPoint[]>> = {
  client: [],
  root: ["client"],
  testing: ["root", "client"],
};

/** The declaration files of the package, by path, emitted from the sources. */
function emitDeclarations(): Map<string, string> {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(repo, "tsconfig.build.json"),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => fail(d.messageText) },
  )!;
  const options = { ...config.options, outDir: out, emitDeclarationOnly: true, noEmit: false };
  const program = ts.createProgram(config.fileNames, options);
  const files = new Map<string, string>();
  const result = program.emit(undefined, (file, text) => files.set(resolve(file), text));
  expect(result.diagnostics).toEqual([]);
  return files;
}

/** A program over the emitted declarations, reading them from memory and the rest from disk. */
function declarationProgram(files: Map<string, string>): ts.Program {
  const options: ts.CompilerOptions = { strict: true, skipLibCheck: true, types: ["node"] };
  const host = ts.createCompilerHost(options);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.fileExists = (file) => files.has(resolve(file)) || fileExists(file);
  host.readFile = (file) => files.get(resolve(file)) ?? readFile(file);
  host.directoryExists = (dir) =>
    resolve(dir).startsWith(out) || (ts.sys.directoryExists?.(dir) ?? false);
  const roots = Object.values(ENTRY_POINTS).map((entry) => join(out, `${entry}.d.ts`));
  return ts.createProgram(roots, options, host);
}

/** A type or value this package declares that an exported signature names, but is not exported. */
interface Missing {
  readonly entry: EntryPoint;
  readonly name: string;
  readonly namedBy: string;
}

function findMissing(program: ts.Program): Missing[] {
  const checker = program.getTypeChecker();
  const resolveAlias = (symbol: ts.Symbol): ts.Symbol =>
    symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const exportsOf = (entry: EntryPoint): Map<ts.Symbol, string> => {
    const file = program.getSourceFile(join(out, `${ENTRY_POINTS[entry]}.d.ts`))!;
    const module = checker.getSymbolAtLocation(file)!;
    return new Map(
      checker.getExportsOfModule(module).map((symbol) => [resolveAlias(symbol), symbol.name]),
    );
  };
  const missing = new Map<string, Missing>();
  for (const entry of Object.keys(ENTRY_POINTS) as EntryPoint[]) {
    const exported = exportsOf(entry);
    const others = BUILDS_ON[entry].map(exportsOf);
    const nameable = (symbol: ts.Symbol) =>
      exported.has(symbol) || others.some((more) => more.has(symbol));
    for (const [symbol, name] of exported) {
      for (const declaration of symbol.declarations ?? []) {
        visit(declaration, (named) => {
          if (nameable(named)) return;
          missing.set(`${entry} ${named.name}`, { entry, name: named.name, namedBy: name });
        });
      }
    }
  }
  return [...missing.values()];

  /** Calls `found` with each symbol of this package that a type in `node`'s public part names. */
  function visit(node: ts.Node, found: (symbol: ts.Symbol) => void): void {
    // What users cannot reach is not part of the signature: private and #private members.
    if (ts.isClassElement(node) || ts.isPropertySignature(node)) {
      const modifiers = ts.canHaveModifiers(node) ? ts.getModifiers(node) : undefined;
      if (modifiers?.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword)) return;
      if (node.name && ts.isPrivateIdentifier(node.name)) return;
    }
    let named: ts.Symbol | undefined;
    if (ts.isTypeReferenceNode(node)) named = checker.getSymbolAtLocation(node.typeName);
    else if (ts.isExpressionWithTypeArguments(node)) {
      named = checker.getSymbolAtLocation(node.expression);
    } else if (ts.isImportTypeNode(node)) {
      const type = checker.getTypeFromTypeNode(node);
      named = type.aliasSymbol ?? type.getSymbol();
    }
    if (named) {
      const symbol = resolveAlias(named);
      const declared = symbol.declarations?.[0]?.getSourceFile().fileName;
      const isTypeParameter = (symbol.flags & ts.SymbolFlags.TypeParameter) !== 0;
      if (!isTypeParameter && declared !== undefined && resolve(declared).startsWith(out)) {
        found(symbol);
      }
    }
    ts.forEachChild(node, (child) => visit(child, found));
  }
}

describe("the entry points", () => {
  const files = emitDeclarations();
  const program = declarationProgram(files);

  it("are the package's declarations, type-checked", () => {
    for (const entry of Object.values(ENTRY_POINTS)) {
      expect(files.has(join(out, `${entry}.d.ts`))).toBe(true);
    }
    expect(ts.getPreEmitDiagnostics(program).map((d) => d.messageText)).toEqual([]);
  });

  it("export every type their exported signatures name (/client all of its own)", () => {
    expect(findMissing(program)).toEqual([]);
  });

  it("would notice a type that is left out", () => {
    // The same declarations with WaitOptions dropped from /client: the walk must find it.
    const client = join(out, "client.d.ts");
    const trimmed = new Map(files);
    trimmed.set(client, files.get(client)!.replace(/\bWaitOptions, /, ""));
    expect(trimmed.get(client)).not.toBe(files.get(client));
    expect(findMissing(declarationProgram(trimmed))).toContainEqual(
      expect.objectContaining({ entry: "client", name: "WaitOptions" }),
    );
  });
});
