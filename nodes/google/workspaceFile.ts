/**
 * Files the Google nodes make in the run's workspace: a CSV of rows, a downloaded mail
 * attachment, a composed message before it is sent.
 *
 * A file is written under a hidden temporary name first and given its real name only
 * when complete, made unique in the directory (`report.csv`, `report (2).csv`), so a
 * failed step leaves no half-written file for a later step to pick up.
 *
 * @module
 */
import { randomUUID } from "node:crypto"
import { promises as fs } from "node:fs"
import { basename, extname, join } from "node:path"
import { Effect } from "effect"
import { TransportError } from "../../src/http/errors.js"
import type { FileRef } from "../../src/http/files.js"
import { Workspace } from "../../src/http/workspace.js"

/**
 * Writes a new file in the workspace with `write` (given the temporary path) and returns
 * its reference. Fails with `TransportError` (reason `Aborted`) when the disk refuses.
 */
export const writeWorkspaceFile = (
  integration: string,
  name: string,
  mimeType: string,
  write: (path: string) => Promise<void>
): Effect.Effect<FileRef, TransportError, Workspace> =>
  Effect.flatMap(Workspace, (workspace) => {
    const part = join(workspace.directory, `.${randomUUID()}.part`)
    const written = Effect.tryPromise({
      try: async (): Promise<FileRef> => {
        await write(part)
        const path = await claimName(workspace.directory, safeFileName(name), part)
        const { size } = await fs.stat(path)
        return { path, name: basename(path), mimeType, size }
      },
      catch: (cause) => diskError(integration, cause)
    })
    return Effect.ensuring(
      written,
      Effect.promise(() => fs.rm(part, { force: true }))
    )
  })

/**
 * A temporary file in the workspace for the length of `use`, removed afterwards whatever
 * happens (a message composed before it is uploaded).
 */
export const withTemporaryFile = <A, E, R>(
  integration: string,
  write: (path: string) => Promise<void>,
  use: (path: string) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | TransportError, R | Workspace> =>
  Effect.flatMap(Workspace, (workspace) => {
    const path = join(workspace.directory, `.${randomUUID()}.tmp`)
    return Effect.tryPromise({
      try: () => write(path),
      catch: (cause) => diskError(integration, cause)
    }).pipe(
      Effect.zipRight(Effect.suspend(() => use(path))),
      Effect.ensuring(Effect.promise(() => fs.rm(path, { force: true })))
    )
  })

/** A file name safe to create: no folders, no control characters, never empty. */
export const safeFileName = (name: string): string => {
  const cleaned = [...basename(name.replace(/[\\/]/g, "_"))]
    .map((char) => (char.charCodeAt(0) < 32 || '<>:"|?*'.includes(char) ? "_" : char))
    .join("")
    .trim()
  return cleaned === "" || cleaned === "." || cleaned === ".." ? "file" : cleaned
}

const diskError = (integration: string, cause: unknown) =>
  new TransportError({
    integration,
    reason: "Aborted",
    requestSent: false,
    message: `A file could not be written to the run's workspace (${(cause as NodeJS.ErrnoException).code ?? "write error"}); check the free disk space and the workspace directory`
  })

/** Links the part file under `name`, or `name (2)`, `name (3)`, ... when taken. */
const claimName = async (directory: string, name: string, part: string): Promise<string> => {
  const extension = extname(name)
  const stem = name.slice(0, name.length - extension.length)
  for (let n = 1; n <= 1000; n++) {
    const candidate = join(directory, n === 1 ? name : `${stem} (${n})${extension}`)
    try {
      await fs.link(part, candidate)
      return candidate
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
    }
  }
  const fallback = join(directory, `${stem}-${randomUUID()}${extension}`)
  await fs.link(part, fallback)
  return fallback
}
