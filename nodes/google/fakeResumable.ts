/**
 * The server side of Google's resumable upload protocol, for the Drive and Gmail fakes.
 *
 * A session is started with the metadata and answered with its URI in `Location`. Chunks
 * arrive with `Content-Range: bytes a-b/total` and are appended to a file on disk (the
 * fake holds no upload in memory); each is answered `308` with `Range: bytes=0-n` until
 * the last byte is in, when the fake that owns the session makes the resource. A status
 * query (`bytes *\/total`) is answered the same way. A chunk may overlap what arrived
 * (the overlap is skipped) but not start after it. A test can make the next upload lose
 * its connection once a given share of its bytes has arrived.
 *
 * @module
 */
import { randomUUID } from "node:crypto"
import { promises as fs } from "node:fs"
import { join } from "node:path"
import type { FakeReply, FakeRequest } from "./fakeServer.js"
import { GoogleFault } from "./fakeServer.js"

/** One resumable session. */
export interface FakeSession {
  readonly id: string
  /** The JSON metadata the session was started with. */
  readonly metadata: Record<string, unknown>
  /** `X-Upload-Content-Type` of the start request. */
  readonly mediaType: string
  /** `fields` of the start request, for the final answer. */
  readonly fields: string | null
  /** Where the bytes are kept until the upload completes. */
  readonly path: string
  total: number | undefined
  received: number
  /** The answer given when the upload completed, repeated to later requests. */
  result?: FakeReply | undefined
}

/** The sessions of one fake. */
export class FakeResumableSessions {
  private readonly sessions = new Map<string, FakeSession>()
  private started = 0
  private dropShare: number | undefined

  constructor(private readonly directory: string) {}

  /** How many sessions were started. */
  count(): number {
    return this.started
  }

  /** The next upload loses its connection once this share (0 to 1) of it has arrived. */
  dropAt(share: number): void {
    this.dropShare = share
  }

  /** Starts a session for a request to `uploadPath` with `uploadType=resumable`. */
  async start(
    req: FakeRequest,
    metadata: Record<string, unknown>,
    uploadPath: string
  ): Promise<FakeReply> {
    const id = randomUUID().replaceAll("-", "")
    const length = req.headers["x-upload-content-length"]
    const session: FakeSession = {
      id,
      metadata,
      mediaType: req.headers["x-upload-content-type"] ?? "application/octet-stream",
      fields: req.query.get("fields"),
      path: join(this.directory, `session-${id}`),
      total: length === undefined ? undefined : Number(length),
      received: 0
    }
    await fs.writeFile(session.path, Buffer.alloc(0))
    this.sessions.set(id, session)
    this.started++
    const location = new URL(uploadPath, req.url.origin)
    location.searchParams.set("uploadType", "resumable")
    location.searchParams.set("upload_id", id)
    return { status: 200, headers: { location: location.href, "x-guploader-uploadid": id } }
  }

  /**
   * Takes a chunk or a status query. Returns the answer to send (`308`, an error, a
   * dropped connection, or the repeated final answer), or the session when its last byte
   * arrived: the caller then makes the resource and calls {@link complete}.
   */
  async receive(req: FakeRequest): Promise<FakeReply | { readonly complete: FakeSession }> {
    const session = this.sessions.get(req.query.get("upload_id") ?? "")
    if (session === undefined) {
      throw new GoogleFault(
        404,
        "notFound",
        "The upload session was not found or has expired; start the upload again."
      )
    }
    if (session.result !== undefined) {
      await req.body()
      return session.result
    }

    const range = req.headers["content-range"] ?? ""
    const query = /^bytes \*\/(\d+|\*)$/.exec(range)
    const chunk = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(range)
    if (query !== null) {
      await req.body()
      if (query[1] !== "*") session.total = Number(query[1])
      return this.progress(session)
    }
    if (chunk === null) throw new GoogleFault(400, "badRequest", `Invalid Content-Range: ${range}`)
    const start = Number(chunk[1])
    if (chunk[3] !== "*") session.total = Number(chunk[3])
    if (start > session.received) {
      throw new GoogleFault(
        400,
        "badRequest",
        `According to the Content-Range header, the upload offset is ${start} byte(s), which exceeds already uploaded size of ${session.received} byte(s).`
      )
    }
    const dropped = await this.append(req, session, start)
    return dropped ? { dropped: true } : this.progress(session)
  }

  /** Records the final answer of a completed session, given again to later requests. */
  complete(session: FakeSession, reply: FakeReply): FakeReply {
    session.result = reply
    return reply
  }

  /** Appends a chunk's new bytes; true when the connection was dropped on purpose. */
  private async append(req: FakeRequest, session: FakeSession, start: number): Promise<boolean> {
    const dropAt =
      this.dropShare === undefined || session.total === undefined
        ? undefined
        : Math.floor(this.dropShare * session.total)
    const handle = await fs.open(session.path, "a")
    let offset = start
    try {
      for await (const piece of req.stream()) {
        const fresh = piece.subarray(Math.max(0, session.received - offset))
        offset += piece.length
        const room = dropAt === undefined ? fresh.length : Math.max(0, dropAt - session.received)
        const kept = fresh.subarray(0, Math.min(fresh.length, room))
        if (kept.length > 0) await handle.write(kept)
        session.received += kept.length
        if (kept.length < fresh.length) {
          this.dropShare = undefined
          req.drop()
          return true
        }
      }
      return false
    } finally {
      await handle.close()
    }
  }

  private progress(session: FakeSession): FakeReply | { readonly complete: FakeSession } {
    if (session.total !== undefined && session.received >= session.total)
      return { complete: session }
    return {
      status: 308,
      headers: session.received === 0 ? {} : { range: `bytes=0-${session.received - 1}` }
    }
  }
}
