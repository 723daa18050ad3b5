import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const repo = join(__dirname, "..", "..");

/**
 * Packs the package as `npm pack` would, from a fresh build in a staging directory, and returns
 * the tarball's path. The repository's own dist/ is never rewritten, so tests that read it while
 * this runs (in another jest worker) never see a half-written file. The staging directory is
 * removed here; the tarball is alone in a new `cw-pack-*` directory, which the caller removes
 * (`rmSync(dirname(tarball), { recursive: true })`) in its `afterAll`.
 */
export function packPackage(): string {
  const staging = mkdtempSync(join(tmpdir(), "cw-pack-staging-"));
  const out = mkdtempSync(join(tmpdir(), "cw-pack-"));
  try {
    execFileSync(
      join(repo, "node_modules", ".bin", "tsc"),
      ["-p", join(repo, "tsconfig.build.json"), "--outDir", join(staging, "dist")],
      { stdio: "pipe" },
    );
    for (const file of ["package.json", "README.md", "CHANGELOG.md", "LICENSE"]) {
      copyFileSync(join(repo, file), join(staging, file));
    }
    cpSync(join(repo, "docs"), join(staging, "docs"), { recursive: true });
    // The build above is the prepack script's; no other lifecycle script is wanted here.
    execFileSync("npm", ["pack", "--ignore-scripts", "--pack-destination", out, "--silent"], {
      cwd: staging,
      stdio: "pipe",
    });
  } catch (error) {
    rmSync(out, { recursive: true, force: true });
    throw error;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return join(
    out,
    readdirSync(out).find((file) => file.endsWith(".tgz"))!,
  );
}
