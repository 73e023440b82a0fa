// Finding the test files, shared by the test command and the npm build.
import { readdirSync } from "node:fs";
import path from "node:path";

/**
 * Lists the test files of a project: every `*_test.ts` under `tests/`, as
 * sorted project-relative POSIX paths.
 *
 * @param root Absolute path of the project.
 * @returns The test files.
 */
export function listTestFiles(root: string): string[] {
  const files = readdirSync(path.join(root, "tests"), {
    recursive: true,
    withFileTypes: true,
  });
  return files
    .filter((entry) => entry.isFile() && entry.name.endsWith("_test.ts"))
    .map((entry) =>
      path.relative(root, path.join(entry.parentPath, entry.name))
        .split(path.sep).join("/")
    )
    .filter((file) => !file.startsWith("tests/fixtures/"))
    .sort();
}
