/**
 * Git's blob sha: how GitHub names one version of a file's content.
 *
 * @module
 */
import { createHash } from "node:crypto"

/**
 * The git blob sha of some content, as GitHub computes it: the SHA-1 of `blob <size>\0`
 * followed by the bytes. Equal shas mean equal content.
 */
export const blobSha = (content: Uint8Array): string =>
  createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex")
