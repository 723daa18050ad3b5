/**
 * `npm run package:python`: the Python distributions, one per CDK library, from this repository's
 * TypeScript source, through jsii (see docs/python.md for the design):
 *
 *   cdktn-coreweave-inference  (import cdktn_coreweave_inference)  for CDK Terrain 0.24
 *   cdktf-coreweave-inference  (import cdktf_coreweave_inference)  for CDK for Terraform 0.21
 *
 * For each library it writes a jsii package under build/jsii/<library>/ (the sources, with the
 * CDK library's import rewritten; the entry point is src/jsii/index.ts), installs its
 * dependencies from the npm registry, compiles it with jsii, checks its API against the last
 * accepted one (jsii-diff, jsii/<library>.jsii), generates the Python sources (jsii-pacmak) and
 * builds the wheel (PyPI's setuptools and build, in build/python-build-venv). Wheels go to
 * dist/python/. No network but the registries.
 *
 * Flags: --out DIR (where the wheels go), --accept-api (the new API becomes the accepted one),
 * --docs (writes the API reference to docs/api/), --check-docs (fails if docs/api/ differs from it).
 */
import { execFileSync, type ExecFileSyncOptions } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const repo = resolve(__dirname, "..");
const build = join(repo, "build");
const bin = (tool: string) => join(repo, "node_modules", ".bin", tool);
const rootPackage = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as {
  version: string;
  license: string;
  description: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** The CDK libraries, and the versions a Python app installs beside our package. */
export const LIBRARIES = [
  {
    name: "cdktn",
    version: "0.24.0",
    constructs: ">=10.6.0 <10.8.0",
    // jsii wants to build against the lowest version of a peer range.
    constructsDev: "10.6.0",
  },
  { name: "cdktf", version: "0.21.0", constructs: "^10.4.2", constructsDev: "10.4.2" },
] as const;
export type Library = (typeof LIBRARIES)[number];

/** The folders of src/ the jsii packages compile: the constructs' work, not the CLI or testing. */
const SOURCES = ["api", "constructs", "datasources", "jsii", "lookup", "terraform"];

/** jsii's own warning about Node 20 (end of life for it) says nothing about our package. */
const env = { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: "20" };

function run(command: string, args: readonly string[], options: ExecFileSyncOptions = {}): void {
  execFileSync(command, args, { stdio: ["ignore", "inherit", "inherit"], env, ...options });
}

/** The package name, Python distribution and Python module of `library`. */
export function namesOf(library: Library) {
  return {
    npm: `${library.name}-coreweave-inference`,
    module: `${library.name}_coreweave_inference`,
  };
}

/** Copies the sources, with every import of the CDK library naming `library`. */
function writeSources(library: Library, dir: string): void {
  for (const folder of SOURCES) {
    for (const file of walk(join(repo, "src", folder))) {
      const text = readFileSync(file, "utf8").replace(
        /(from |import\()"cdktf"/g,
        `$1"${library.name}"`,
      );
      const target = join(dir, "src", relative(join(repo, "src"), file));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, text);
    }
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : name.endsWith(".ts") ? [path] : [];
  });
}

/** The jsii package's package.json: peers, bundled runtime dependencies, Python target. */
function packageJson(library: Library) {
  const names = namesOf(library);
  const runtime = { undici: rootPackage.dependencies.undici, zod: rootPackage.dependencies.zod };
  return {
    name: names.npm,
    version: rootPackage.version,
    description: `${rootPackage.description} (for ${library.name} ${library.version}, through jsii)`,
    license: rootPackage.license,
    author: { name: "cdktf-coreweave-inference contributors", organization: false },
    // jsii requires a repository; the project's public address is not decided yet.
    repository: { type: "git", url: "https://example.invalid/cdktf-coreweave-inference.git" },
    main: "lib/jsii/index.js",
    types: "lib/jsii/index.d.ts",
    files: ["lib/**/*.js", "lib/**/*.d.ts", ".jsii", "README.md"],
    engines: { node: ">=20.18.1" },
    dependencies: runtime,
    bundledDependencies: Object.keys(runtime),
    peerDependencies: { [library.name]: library.version, constructs: library.constructs },
    devDependencies: {
      [library.name]: library.version,
      constructs: library.constructsDev,
      "@types/node": rootPackage.devDependencies["@types/node"],
    },
    stability: "experimental",
    jsii: {
      outdir: "dist",
      tsconfig: "tsconfig.jsii.json",
      validateTsconfig: "strict",
      targets: { python: { distName: names.npm, module: names.module } },
    },
  };
}

/** What jsii's strict check accepts: ES2022, as this repository compiles to. */
const TSCONFIG = {
  compilerOptions: {
    target: "es2022",
    lib: ["es2022"],
    module: "commonjs",
    esModuleInterop: true,
    skipLibCheck: true,
    strict: true,
    noEmitOnError: true,
    declaration: true,
    noUnusedLocals: true,
    noUnusedParameters: true,
    noImplicitReturns: true,
    noFallthroughCasesInSwitch: true,
    forceConsistentCasingInFileNames: true,
    resolveJsonModule: true,
    types: ["node"],
    rootDir: "src",
    outDir: "lib",
  },
  include: ["src/**/*.ts"],
};

/** The README of the Python distribution (PyPI shows it): what it is, and where the docs are. */
function readme(library: Library): string {
  const { npm, module } = namesOf(library);
  return `# ${npm}

CoreWeave inference deployments for CDK ${library.name === "cdktn" ? "Terrain" : "for Terraform"} apps in Python: \`CoreweaveDeploymentData\` reads an existing
deployment by ID at synth time, with typed outputs; \`DeploymentReadinessGate\` makes \`terraform plan\`
fail unless it is READY and the lookup recent.

\`\`\`sh
pip install ${npm} ${library.name}==${library.version}
\`\`\`

\`\`\`python
from ${library.name} import App, TerraformStack, TerraformOutput
from ${module} import CoreweaveDeploymentData, DeploymentReadinessGate, WaitOptions
\`\`\`

Built with jsii from the TypeScript package \`cdktf-coreweave-inference\`; its README and docs/
(docs/python.md for Python) say the rest.
`;
}

/** Where the jsii package of `library` is built. */
export const packageDir = (library: Library) => join(build, "jsii", library.name);

/** Writes, installs and compiles the jsii package of `library`; returns its folder. */
function compile(library: Library): string {
  const dir = packageDir(library);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeSources(library, dir);
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(packageJson(library), null, 2)}\n`);
  writeFileSync(join(dir, "tsconfig.jsii.json"), `${JSON.stringify(TSCONFIG, null, 2)}\n`);
  writeFileSync(join(dir, "README.md"), readme(library));
  run("npm", ["install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error"], {
    cwd: dir,
  });
  // Go forbids `type` as a field name (DeploymentCondition.type); no Go is generated here.
  run(bin("jsii"), ["--silence-warnings", "reserved-word"], { cwd: dir });
  return dir;
}

/** The accepted API of `library`'s jsii package: its assembly, as last accepted. */
const acceptedApi = (library: Library) => join(repo, "jsii", `${library.name}.jsii`);

/** Makes the API of the jsii package in `dir` the accepted one of `library`. */
function acceptApi(library: Library, dir: string): void {
  mkdirSync(dirname(acceptedApi(library)), { recursive: true });
  cpSync(join(dir, ".jsii"), acceptedApi(library));
  console.log(
    `accepted the API of ${namesOf(library).npm}: ${relative(repo, acceptedApi(library))}`,
  );
}

/**
 * Fails when the API of the jsii package in `dir` breaks the `accepted` one (an assembly):
 * jsii-diff, at every stability level.
 */
export function checkApi(library: Library, dir: string, accepted = acceptedApi(library)): void {
  // jsii-diff loads an assembly's dependencies from where it lies: beside this package's.
  const baseline = join(dir, ".api-baseline");
  rmSync(baseline, { recursive: true, force: true });
  mkdirSync(baseline, { recursive: true });
  cpSync(accepted, join(baseline, ".jsii"));
  cpSync(join(dir, "package.json"), join(baseline, "package.json"));
  try {
    run(bin("jsii-diff"), ["--error-on", "all", "--keys", baseline, dir]);
  } catch (error) {
    // jsii-diff exits 1 for a breaking change, and otherwise when it could not compare at all.
    const { status } = error as { status?: number };
    throw new Error(
      status === 1
        ? `${namesOf(library).npm}: the API changed in a way that breaks its users (above). If ` +
            "that is intended, accept it: npm run package:python -- --accept-api"
        : `${namesOf(library).npm}: jsii-diff could not compare the API (exit ${status}, above)`,
    );
  }
}

/** The virtual environment that builds wheels, with what jsii-pacmak's pyproject asks for. */
function buildVenv(): string {
  const venv = join(build, "python-build-venv");
  const python = join(venv, "bin", "python");
  // Written once the install has finished: a venv left half-installed is made again.
  const ready = join(venv, ".installed");
  if (!existsSync(ready)) {
    rmSync(venv, { recursive: true, force: true });
    run("python3", ["-m", "venv", venv]);
    run(python, ["-m", "pip", "install", "--quiet", "setuptools~=75.3.2", "build~=1.5.0", "wheel"]);
    writeFileSync(ready, "");
  }
  return python;
}

/** Generates the Python sources and builds the wheel into `out`. */
function wheel(dir: string, out: string, python: string): void {
  run(bin("jsii-pacmak"), ["--targets", "python", "--code-only"], { cwd: dir });
  run(python, ["-m", "build", "--wheel", "--no-isolation", "--outdir", out], {
    cwd: join(dir, "dist", "python"),
    stdio: ["ignore", "ignore", "inherit"],
  });
}

/** The API reference, generated from the assemblies: TypeScript once, Python per library. */
function apiDocs(dirs: ReadonlyMap<Library["name"], string>): Map<string, string> {
  const docs = new Map<string, string>();
  const generate = (dir: string, language: string) => {
    const file = join(dir, `API.${language}.md`);
    run(bin("jsii-docgen"), ["-l", language, "-o", file], { cwd: dir });
    return readFileSync(file, "utf8");
  };
  docs.set("typescript.md", generate(dirs.get("cdktf")!, "typescript"));
  for (const [name, dir] of dirs) docs.set(`python-${name}.md`, generate(dir, "python"));
  return docs;
}

function main(): void {
  const args = process.argv.slice(2);
  const outAt = args.indexOf("--out");
  if (outAt !== -1 && !args[outAt + 1]) throw new Error("--out needs a folder for the wheels");
  const out = resolve(outAt === -1 ? join(repo, "dist", "python") : args[outAt + 1]);
  const python = buildVenv();
  mkdirSync(out, { recursive: true });
  // Only this build's wheels: one of an earlier version would be listed, and installed, beside.
  for (const file of readdirSync(out).filter((name) =>
    /^cdkt[fn]_coreweave_inference-/.test(name),
  )) {
    rmSync(join(out, file));
  }
  const dirs = new Map<Library["name"], string>();
  for (const library of LIBRARIES) {
    const dir = compile(library);
    if (args.includes("--accept-api") || !existsSync(acceptedApi(library))) acceptApi(library, dir);
    else checkApi(library, dir);
    wheel(dir, out, python);
    dirs.set(library.name, dir);
  }
  if (args.includes("--docs") || args.includes("--check-docs")) {
    const docsDir = join(repo, "docs", "api");
    const stale: string[] = [];
    for (const [name, text] of apiDocs(dirs)) {
      const file = join(docsDir, name);
      if (args.includes("--docs")) {
        mkdirSync(docsDir, { recursive: true });
        writeFileSync(file, text);
      } else if (!existsSync(file) || readFileSync(file, "utf8") !== text) {
        stale.push(relative(repo, file));
      }
    }
    if (stale.length > 0) {
      throw new Error(
        `${stale.join(", ")} do not match the code: regenerate them with npm run package:python -- --docs`,
      );
    }
  }
  console.log(`wheels in ${relative(process.cwd(), out) || "."}: ${readdirSync(out).join(", ")}`);
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error(`package:python: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
