/**
 * Builds the pack once before the tests, so command-line tests spawn the real built
 * command (`node bin/rpa-integrations.js`).
 */
import { execFileSync } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..")

export default function setup(): void {
  execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], {
    cwd: root,
    stdio: "inherit"
  })
}
