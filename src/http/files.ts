/**
 * File references: how files move between nodes.
 *
 * A node never passes file bytes to another node. It writes the bytes to disk and passes
 * a {@link FileRef}; the next node streams them from there. Memory stays flat whatever
 * the file size.
 *
 * @module
 */
import { Schema } from "effect"

/** A file on disk that a step produced or a step should read. */
export const FileRef = Schema.Struct({
  path: Schema.String.annotations({
    title: "Path",
    description: "Absolute path of the file on the robot's disk."
  }),
  name: Schema.String.annotations({
    title: "File name",
    description: "Name to show and to send when uploading, for example `report.csv`."
  }),
  mimeType: Schema.String.annotations({
    title: "MIME type",
    description: "Media type of the content, for example `text/csv`."
  }),
  size: Schema.Number.annotations({ title: "Size", description: "Size in bytes." })
}).annotations({
  identifier: "FileRef",
  title: "File",
  description: "A file on disk, passed between steps by reference."
})

/** A file on disk that a step produced or a step should read. */
export type FileRef = typeof FileRef.Type
