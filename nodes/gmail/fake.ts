/**
 * The sandbox fake of the Gmail API v1 on 127.0.0.1: one mailbox in memory, with
 * sending (a `raw` message in JSON, or uploaded as `message/rfc822`: media, multipart or
 * a resumable session), threads joined the way Gmail joins them (the thread id plus
 * `In-Reply-To`/`References` and a matching subject), listing with page tokens and a
 * search subset (`from:`, `to:`, `subject:`, `label:`, `in:`, `is:`, `has:attachment`,
 * `filename:`, `after:`, `before:`, words, `-` to negate), messages shown in the `full`,
 * `metadata`, `minimal` and `raw` formats with their MIME tree, attachments, labels and
 * trash, and Gmail's error bodies. It answers for `https://gmail.googleapis.com` in
 * `--sandbox` runs and starts with a few messages in the inbox.
 *
 * @module
 */
import { promises as fs, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Scope } from "effect"
import { Effect } from "effect"
import addressparser from "nodemailer/lib/addressparser"
import { relatedBoundary, splitRelated } from "../google/fakeMultipart.js"
import { FakeResumableSessions } from "../google/fakeResumable.js"
import type {
  FakeReply,
  FakeRequest,
  FakeRoute,
  GoogleFakeOptions,
  GoogleFakeServer
} from "../google/fakeServer.js"
import { GoogleFault, startGoogleFakeServer } from "../google/fakeServer.js"
import { headerOf, type MimePart, parseMime } from "./fakeMime.js"
import { decodeCharset, decodeWords } from "./mimeWords.js"

/** The origin the sandbox routes to this fake. */
export const gmailOrigin = "https://gmail.googleapis.com"

/** The sandbox mailbox's address. */
export const sandboxMailbox = "robot@example.com"

/** A message as tests see it in the fake. */
export interface FakeMail {
  readonly id: string
  readonly threadId: string
  readonly labelIds: ReadonlyArray<string>
  /** The message as stored (Bcc removed for sent mail). */
  readonly raw: Buffer
  /** The parsed message. */
  readonly mime: MimePart
  /** Who a sent message went to (To, Cc and Bcc). */
  readonly recipients: ReadonlyArray<string>
}

/** A running Gmail fake, with a look inside for tests. */
export interface GmailFake extends GoogleFakeServer {
  readonly messages: () => ReadonlyArray<FakeMail>
  /** Delivers a message to the inbox; returns its id. */
  readonly deliver: (raw: string | Buffer, labelIds?: ReadonlyArray<string>) => string
  /** The next resumable upload loses its connection once this share (0 to 1) has arrived. */
  readonly dropUploadAt: (share: number) => void
}

/** Starts the fake on 127.0.0.1 with a free port. */
export const startGmail = async (options: GoogleFakeOptions = {}): Promise<GmailFake> => {
  const directory = mkdtempSync(join(tmpdir(), "rpa-gmail-fake-"))
  const box = new Mailbox(directory)
  seedInbox(box)
  const server = await startGoogleFakeServer("gmail.googleapis.com", routes(box), options)
  return {
    ...server,
    messages: () => [...box.messages.values()].map(viewOf),
    deliver: (raw, labelIds) => box.add(Buffer.from(raw), labelIds ?? ["INBOX", "UNREAD"]).id,
    dropUploadAt: (share) => box.uploads.dropAt(share),
    close: async () => {
      await server.close()
      rmSync(directory, { recursive: true, force: true })
    }
  }
}

/** Starts the fake for the scope of a sandbox run or a test. */
export const startGmailFake: Effect.Effect<{ readonly url: string }, never, Scope.Scope> =
  Effect.acquireRelease(
    Effect.promise(() => startGmail()),
    (fake) => Effect.promise(fake.close)
  ).pipe(Effect.map((fake) => ({ url: fake.url })))

// ---------------------------------------------------------------------------------------
// State

interface Mail {
  readonly id: string
  threadId: string
  readonly labelIds: Set<string>
  readonly raw: Buffer
  readonly mime: MimePart
  readonly internalDate: number
  readonly historyId: number
  readonly recipients: ReadonlyArray<string>
}

const systemLabels = [
  "INBOX",
  "SENT",
  "DRAFT",
  "SPAM",
  "TRASH",
  "UNREAD",
  "STARRED",
  "IMPORTANT",
  "CATEGORY_PERSONAL",
  "CATEGORY_SOCIAL",
  "CATEGORY_PROMOTIONS",
  "CATEGORY_UPDATES",
  "CATEGORY_FORUMS"
]

class Mailbox {
  readonly messages = new Map<string, Mail>()
  readonly userLabels = new Map<string, string>([
    ["Label_1", "Invoices"],
    ["Label_2", "Reports"]
  ])
  readonly uploads: FakeResumableSessions
  private made = 0
  private clock = Date.parse("2024-06-03T08:00:00Z")

  constructor(directory: string) {
    this.uploads = new FakeResumableSessions(directory)
  }

  add(
    raw: Buffer,
    labelIds: ReadonlyArray<string>,
    threadId?: string,
    recipients: ReadonlyArray<string> = []
  ): Mail {
    this.made++
    this.clock += 60_000
    const id = (0x18f0000000000000n + BigInt(this.made)).toString(16)
    const mail: Mail = {
      id,
      threadId: threadId ?? id,
      labelIds: new Set(labelIds),
      raw,
      mime: parseMime(raw),
      internalDate: this.clock,
      historyId: 1000 + this.made,
      recipients
    }
    this.messages.set(id, mail)
    return mail
  }

  labelExists(id: string) {
    return systemLabels.includes(id) || this.userLabels.has(id)
  }
}

const viewOf = (mail: Mail): FakeMail => ({
  id: mail.id,
  threadId: mail.threadId,
  labelIds: [...mail.labelIds],
  raw: mail.raw,
  mime: mail.mime,
  recipients: mail.recipients
})

const seedInbox = (box: Mailbox) => {
  box.add(
    Buffer.from(
      [
        "From: Grace Hopper <grace@example.com>",
        `To: ${sandboxMailbox}`,
        "Subject: Invoice A-1002",
        "Date: Mon, 03 Jun 2024 08:01:00 +0000",
        "Message-ID: <invoice-a-1002@example.com>",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="b1"',
        "",
        "--b1",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Hello, the invoice for order A-1002 is attached.",
        "--b1",
        'Content-Type: application/pdf; name="A-1002.pdf"',
        'Content-Disposition: attachment; filename="A-1002.pdf"',
        "Content-Transfer-Encoding: base64",
        "",
        Buffer.from("%PDF-1.4 sandbox invoice A-1002\n").toString("base64"),
        "--b1--",
        ""
      ].join("\r\n")
    ),
    ["INBOX", "UNREAD", "Label_1"]
  )
  box.add(
    Buffer.from(
      [
        "From: Sandbox <welcome@example.com>",
        `To: ${sandboxMailbox}`,
        "Subject: Welcome to the sandbox",
        "Message-ID: <welcome@example.com>",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Flows you run with --sandbox send their mail here.",
        ""
      ].join("\r\n")
    ),
    ["INBOX"]
  )
}

// ---------------------------------------------------------------------------------------
// Routes

const auth = "https://www.googleapis.com/auth/"
const full = "https://mail.google.com/"
const scopes = (...names: Array<string>) => [full, ...names.map((name) => `${auth}${name}`)]
const readScopes = scopes(
  "gmail.addons.current.message.action",
  "gmail.addons.current.message.readonly",
  "gmail.modify",
  "gmail.readonly"
)
const sendScopes = scopes(
  "gmail.addons.current.action.compose",
  "gmail.compose",
  "gmail.modify",
  "gmail.send"
)
const modifyScopes = scopes("gmail.modify")

const user = "/gmail/v1/users/{userId}"
const upload = "/upload/gmail/v1/users/{userId}"

const routes = (box: Mailbox): ReadonlyArray<FakeRoute> => [
  {
    method: "POST",
    path: `${user}/messages/send`,
    scopes: sendScopes,
    handle: async (req) => sendJson(box, req, await req.json())
  },
  {
    method: "POST",
    path: `${upload}/messages/send`,
    scopes: sendScopes,
    handle: (req) => sendUpload(box, req)
  },
  {
    method: "PUT",
    path: `${upload}/messages/send`,
    scopes: sendScopes,
    handle: (req) => sendChunk(box, req)
  },
  {
    method: "GET",
    path: `${user}/messages`,
    scopes: [...readScopes, `${auth}gmail.metadata`],
    handle: (req) => list(box, req)
  },
  {
    method: "GET",
    path: `${user}/messages/{messageId}/attachments/{id}`,
    scopes: readScopes,
    handle: (req) => attachment(box, req)
  },
  {
    method: "GET",
    path: `${user}/messages/{id}`,
    scopes: [...readScopes, `${auth}gmail.metadata`],
    handle: (req) => get(box, req)
  },
  {
    method: "POST",
    path: `${user}/messages/{id}/modify`,
    scopes: modifyScopes,
    handle: async (req) => modify(box, req, await req.json())
  },
  {
    method: "POST",
    path: `${user}/messages/{id}/trash`,
    scopes: modifyScopes,
    handle: (req) => trash(box, req)
  },
  {
    method: "GET",
    path: `${user}/labels`,
    scopes: [...scopes("gmail.labels", "gmail.metadata", "gmail.modify", "gmail.readonly")],
    handle: (req) => labels(box, req)
  },
  {
    method: "GET",
    path: `${user}/profile`,
    scopes: scopes("gmail.compose", "gmail.metadata", "gmail.modify", "gmail.readonly"),
    handle: (req) => profile(box, req)
  }
]

const invalid = (message: string) => new GoogleFault(400, "invalidArgument", message)

/** Only the mailbox's own user may be named; `me` stands for it. */
const checkUser = (req: FakeRequest) => {
  const userId = req.params.userId
  if (userId !== "me" && userId !== sandboxMailbox) {
    throw new GoogleFault(403, "forbidden", `Delegation denied for ${sandboxMailbox}`)
  }
}

const find = (box: Mailbox, req: FakeRequest, id: string): Mail => {
  checkUser(req)
  const mail = box.messages.get(id)
  if (mail === undefined) {
    if (!/^[0-9a-f]+$/.test(id)) throw invalid("Invalid id value")
    throw new GoogleFault(404, "notFound", "Requested entity was not found.")
  }
  return mail
}

// ---------------------------------------------------------------------------------------
// Sending

const sendJson = (box: Mailbox, req: FakeRequest, body: unknown): FakeReply => {
  checkUser(req)
  const message = (body ?? {}) as { raw?: unknown; threadId?: unknown }
  if (typeof message.raw !== "string" || message.raw === "")
    throw invalid(
      "'raw' RFC822 payload message string or uploading message via /upload/* URL required"
    )
  return send(
    box,
    Buffer.from(message.raw, "base64url"),
    typeof message.threadId === "string" ? message.threadId : undefined
  )
}

const sendUpload = async (box: Mailbox, req: FakeRequest): Promise<FakeReply> => {
  checkUser(req)
  switch (req.query.get("uploadType")) {
    case "media":
      return send(box, await req.body(), undefined)
    case "multipart": {
      const boundary = relatedBoundary(req.headers["content-type"])
      if (boundary === undefined) throw invalid("Multipart uploads need a multipart/related body.")
      const [metadata, media] = splitRelated(await req.body(), boundary)
      if (metadata === undefined || media === undefined)
        throw invalid("A multipart upload has a metadata part and a message part.")
      const threadId = (JSON.parse(metadata.body.toString("utf8") || "{}") as { threadId?: string })
        .threadId
      return send(box, media.body, threadId)
    }
    case "resumable": {
      const text = (await req.body()).toString("utf8")
      const metadata = (text === "" ? {} : JSON.parse(text)) as Record<string, unknown>
      return box.uploads.start(req, metadata, req.url.pathname)
    }
    default:
      throw invalid("Invalid uploadType")
  }
}

const sendChunk = async (box: Mailbox, req: FakeRequest): Promise<FakeReply> => {
  checkUser(req)
  const received = await box.uploads.receive(req)
  if (!("complete" in received)) return received
  const session = received.complete
  const raw = await fs.readFile(session.path)
  await fs.rm(session.path, { force: true })
  const threadId =
    typeof session.metadata.threadId === "string" ? session.metadata.threadId : undefined
  return box.uploads.complete(session, send(box, raw, threadId))
}

/**
 * Sends a message: it needs a recipient; Bcc is taken off the stored copy; a thread id
 * is kept only when the message replies to one of the thread's messages with the same
 * subject, as Gmail keeps threads.
 */
const send = (box: Mailbox, raw: Buffer, threadId: string | undefined): FakeReply => {
  const mime = parseMime(raw)
  const recipients = ["to", "cc", "bcc"].flatMap((name) =>
    addressesOf(headerOf(mime.headers, name))
  )
  if (recipients.length === 0) throw invalid("Recipient address required")
  if (
    threadId !== undefined &&
    ![...box.messages.values()].some((mail) => mail.threadId === threadId)
  ) {
    throw new GoogleFault(404, "notFound", "Requested entity was not found.")
  }
  const stored = withoutBcc(raw)
  const thread = threadId !== undefined && joinsThread(box, mime, threadId) ? threadId : undefined
  const mail = box.add(stored, ["SENT"], thread, recipients)
  return {
    status: 200,
    json: { id: mail.id, threadId: mail.threadId, labelIds: [...mail.labelIds] }
  }
}

const addressesOf = (value: string | undefined): Array<string> =>
  value === undefined
    ? []
    : addressparser(decodeWords(value), { flatten: true }).flatMap((entry) =>
        "address" in entry && entry.address ? [entry.address] : []
      )

const withoutBcc = (raw: Buffer): Buffer => {
  const text = raw.toString("latin1")
  const end = text.search(/\r?\n\r?\n/)
  const head = end === -1 ? text : text.slice(0, end)
  const kept = head.replace(/^Bcc:.*(?:\r?\n[ \t].*)*(?:\r?\n)?/im, "")
  return Buffer.from(kept + text.slice(head.length), "latin1")
}

const joinsThread = (box: Mailbox, mime: MimePart, threadId: string): boolean => {
  const refs = `${headerOf(mime.headers, "in-reply-to") ?? ""} ${headerOf(mime.headers, "references") ?? ""}`
  const subject = baseSubject(headerOf(mime.headers, "subject") ?? "")
  return [...box.messages.values()].some((mail) => {
    const messageId = headerOf(mail.mime.headers, "message-id")
    return (
      mail.threadId === threadId &&
      messageId !== undefined &&
      refs.includes(messageId) &&
      baseSubject(headerOf(mail.mime.headers, "subject") ?? "") === subject
    )
  })
}

const baseSubject = (subject: string) =>
  decodeWords(subject)
    .replace(/^\s*((re|fwd?|aw|wg)\s*:\s*)+/i, "")
    .trim()

// ---------------------------------------------------------------------------------------
// Reading

const list = (box: Mailbox, req: FakeRequest): FakeReply => {
  checkUser(req)
  const maxResults = Number(req.query.get("maxResults") ?? 100)
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 500)
    throw invalid("Invalid maxResults")
  const spamTrash = req.query.get("includeSpamTrash") === "true"
  const labelIds = req.query.getAll("labelIds")
  const search = parseSearch(box, req.query.get("q") ?? "")
  const matching = [...box.messages.values()]
    .filter(
      (mail) =>
        (spamTrash || !(mail.labelIds.has("SPAM") || mail.labelIds.has("TRASH"))) &&
        labelIds.every((label) => mail.labelIds.has(label)) &&
        search(mail)
    )
    .sort((a, b) => b.internalDate - a.internalDate)
  const token = req.query.get("pageToken")
  const offset = token === null ? 0 : Number(Buffer.from(token, "base64url").toString("utf8"))
  if (!Number.isInteger(offset) || offset < 0) throw invalid("Invalid pageToken")
  const page = matching.slice(offset, offset + maxResults)
  const next =
    offset + maxResults < matching.length
      ? Buffer.from(String(offset + maxResults)).toString("base64url")
      : undefined
  return {
    status: 200,
    json: {
      ...(page.length === 0
        ? {}
        : { messages: page.map((mail) => ({ id: mail.id, threadId: mail.threadId })) }),
      ...(next === undefined ? {} : { nextPageToken: next }),
      resultSizeEstimate: matching.length
    }
  }
}

/** A subset of Gmail's search operators; words match the subject and the text. */
const parseSearch = (box: Mailbox, q: string): ((mail: Mail) => boolean) => {
  const terms = [...q.matchAll(/(-?)(?:(\w+):)?("([^"]*)"|\S+)/g)].map((m) => ({
    negate: m[1] === "-",
    operator: m[2]?.toLowerCase(),
    value: (m[4] ?? m[3] ?? "").toLowerCase()
  }))
  const labelId = (name: string) =>
    systemLabels.find((id) => id.toLowerCase() === name) ??
    [...box.userLabels].find(([, label]) => label.toLowerCase() === name)?.[0] ??
    name.toUpperCase()
  const header = (mail: Mail, name: string) =>
    decodeWords(headerOf(mail.mime.headers, name) ?? "").toLowerCase()
  const tests = terms.map(({ negate, operator, value }) => {
    const test = (mail: Mail): boolean => {
      switch (operator) {
        case "from":
        case "to":
        case "subject":
          return header(mail, operator).includes(value)
        case "label":
        case "in":
          return mail.labelIds.has(labelId(value))
        case "is":
          return value === "read" ? !mail.labelIds.has("UNREAD") : mail.labelIds.has(labelId(value))
        case "has":
          return value === "attachment" && attachmentsOf(mail.mime).length > 0
        case "filename":
          return attachmentsOf(mail.mime).some((part) =>
            part.filename.toLowerCase().includes(value)
          )
        case "after":
        case "before": {
          const at = Date.parse(value.replaceAll("/", "-"))
          return operator === "after" ? mail.internalDate >= at : mail.internalDate < at
        }
        default:
          return `${header(mail, "subject")} ${textOf(mail.mime).toLowerCase()}`.includes(
            operator === undefined ? value : `${operator}:${value}`
          )
      }
    }
    return (mail: Mail) => test(mail) !== negate
  })
  return (mail) => tests.every((test) => test(mail))
}

const get = (box: Mailbox, req: FakeRequest): FakeReply => {
  const mail = find(box, req, req.params.id!)
  const format = req.query.get("format") ?? "full"
  const base = {
    id: mail.id,
    threadId: mail.threadId,
    labelIds: [...mail.labelIds],
    snippet: snippetOf(mail.mime),
    historyId: String(mail.historyId),
    internalDate: String(mail.internalDate),
    sizeEstimate: mail.raw.length
  }
  switch (format) {
    case "minimal":
      return { status: 200, json: base }
    case "raw":
      return { status: 200, json: { ...base, raw: mail.raw.toString("base64url") } }
    case "metadata": {
      const wanted = req.query.getAll("metadataHeaders").map((name) => name.toLowerCase())
      const headers = mail.mime.headers
        .filter((header) => wanted.length === 0 || wanted.includes(header.name.toLowerCase()))
        .map((header) => ({ name: header.name, value: decodeWords(header.value) }))
      return {
        status: 200,
        json: {
          ...base,
          payload: {
            partId: "",
            mimeType: mail.mime.mimeType,
            filename: "",
            headers,
            body: { size: 0 }
          }
        }
      }
    }
    default:
      return { status: 200, json: { ...base, payload: partJson(mail, mail.mime, "") } }
  }
}

const attachmentIdOf = (mail: Mail, partId: string) =>
  `ANGjdJ${Buffer.from(`${mail.id}:${partId}`).toString("base64url")}`

const partJson = (mail: Mail, part: MimePart, partId: string): Record<string, unknown> => {
  const headers = part.headers.map((header) => ({
    name: header.name,
    value: decodeWords(header.value)
  }))
  const childId = (i: number) => (partId === "" ? String(i) : `${partId}.${i}`)
  const body =
    part.parts.length > 0
      ? { size: 0 }
      : part.filename !== ""
        ? { attachmentId: attachmentIdOf(mail, partId), size: part.body.length }
        : {
            size: part.body.length,
            ...(part.body.length === 0 ? {} : { data: part.body.toString("base64url") })
          }
  return {
    partId,
    mimeType: part.mimeType,
    filename: part.filename,
    headers,
    body,
    ...(part.parts.length === 0
      ? {}
      : { parts: part.parts.map((child, i) => partJson(mail, child, childId(i))) })
  }
}

const attachment = (box: Mailbox, req: FakeRequest): FakeReply => {
  const mail = find(box, req, req.params.messageId!)
  const found = partsWithIds(mail.mime, "").find(
    ({ partId }) => attachmentIdOf(mail, partId) === req.params.id
  )
  if (found === undefined) throw invalid("Invalid attachment token")
  return {
    status: 200,
    json: { size: found.part.body.length, data: found.part.body.toString("base64url") }
  }
}

const partsWithIds = (
  part: MimePart,
  partId: string
): Array<{ part: MimePart; partId: string }> => [
  { part, partId },
  ...part.parts.flatMap((child, i) =>
    partsWithIds(child, partId === "" ? String(i) : `${partId}.${i}`)
  )
]

const attachmentsOf = (part: MimePart): Array<MimePart> =>
  partsWithIds(part, "").flatMap(({ part: p }) =>
    p.filename !== "" && p.parts.length === 0 ? [p] : []
  )

const textOf = (part: MimePart): string => {
  const text = partsWithIds(part, "").find(
    ({ part: p }) => p.mimeType === "text/plain" && p.filename === ""
  )?.part
  const html = partsWithIds(part, "").find(
    ({ part: p }) => p.mimeType === "text/html" && p.filename === ""
  )?.part
  const chosen = text ?? html
  if (chosen === undefined) return ""
  const charset =
    /charset="?([^";]+)"?/i.exec(headerOf(chosen.headers, "content-type") ?? "")?.[1] ?? "utf-8"
  const decoded = decodeCharset(chosen.body, charset)
  return chosen === html ? decoded.replace(/<[^>]*>/g, " ") : decoded
}

const snippetOf = (part: MimePart) => textOf(part).replace(/\s+/g, " ").trim().slice(0, 100)

// ---------------------------------------------------------------------------------------
// Labels

const modify = (box: Mailbox, req: FakeRequest, body: unknown): FakeReply => {
  const mail = find(box, req, req.params.id!)
  const change = (body ?? {}) as { addLabelIds?: Array<string>; removeLabelIds?: Array<string> }
  for (const id of [...(change.addLabelIds ?? []), ...(change.removeLabelIds ?? [])]) {
    if (!box.labelExists(id)) throw invalid(`Invalid label: ${id}`)
  }
  for (const id of change.addLabelIds ?? []) mail.labelIds.add(id)
  for (const id of change.removeLabelIds ?? []) mail.labelIds.delete(id)
  return {
    status: 200,
    json: { id: mail.id, threadId: mail.threadId, labelIds: [...mail.labelIds] }
  }
}

const trash = (box: Mailbox, req: FakeRequest): FakeReply => {
  const mail = find(box, req, req.params.id!)
  mail.labelIds.add("TRASH")
  mail.labelIds.delete("INBOX")
  return {
    status: 200,
    json: { id: mail.id, threadId: mail.threadId, labelIds: [...mail.labelIds] }
  }
}

const labels = (box: Mailbox, req: FakeRequest): FakeReply => {
  checkUser(req)
  return {
    status: 200,
    json: {
      labels: [
        ...systemLabels.map((id) => ({ id, name: id, type: "system" })),
        ...[...box.userLabels].map(([id, name]) => ({
          id,
          name,
          type: "user",
          messageListVisibility: "show",
          labelListVisibility: "labelShow"
        }))
      ]
    }
  }
}

const profile = (box: Mailbox, req: FakeRequest): FakeReply => {
  checkUser(req)
  return {
    status: 200,
    json: {
      emailAddress: sandboxMailbox,
      messagesTotal: box.messages.size,
      threadsTotal: new Set([...box.messages.values()].map((mail) => mail.threadId)).size,
      historyId: "1000"
    }
  }
}
