import { readFileSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import {
  type GmailFake,
  gmailOrigin,
  sandboxMailbox,
  startGmail
} from "../../../nodes/gmail/fake.js"
import { headerOf } from "../../../nodes/gmail/fakeMime.js"
import {
  downloadAttachment,
  getMessage,
  integration,
  listMessages,
  modifyLabels,
  replyToMessage,
  sendMessage,
  trashMessage
} from "../../../nodes/gmail/index.js"
import { decodeWords } from "../../../nodes/gmail/mimeWords.js"
import { Gmail } from "../../../nodes/gmail/service.js"
import { googleScopes } from "../../../nodes/google/scopes.js"
import type { FileRef } from "../../../src/http/files.js"
import {
  errorOf,
  type Harness,
  startHarness,
  succeeded,
  testCredential
} from "../../support/discoveryHarness.js"

let h: Harness<GmailFake, Gmail>
beforeAll(async () => {
  h = await startHarness({
    api: "gmail",
    start: startGmail,
    origins: [gmailOrigin],
    layer: Gmail.layer
  })
})
afterEach(() => {
  h.fake.clearFaults()
  expect(h.contractProblems()).toEqual([])
})
afterAll(() => h.close())

const localFile = (name: string, content: string | Buffer, mimeType: string): FileRef => {
  const path = join(h.workspace, `${Date.now()}-${name}`)
  writeFileSync(path, content)
  return { path, name, mimeType, size: Buffer.byteLength(content) }
}

const stored = (id: string) => h.fake.messages().find((m) => m.id === id)!
const header = (id: string, name: string) =>
  decodeWords(headerOf(stored(id).mime.headers, name) ?? "")
const inbox = () => h.fake.messages().filter((m) => m.labelIds.includes("INBOX"))
const invoice = () => inbox().find((m) => header(m.id, "subject") === "Invoice A-1002")!

describe("gmail.sendMessage", () => {
  it("sends text, HTML and attachments, with non-ASCII subject, names and file names encoded", async () => {
    const out = succeeded(
      await h.runNode(sendMessage, {
        to: ["Jürgen Müller <juergen@example.com>", "ada@example.com"],
        cc: "grace@example.com",
        bcc: "audit@example.com",
        subject: "Grüße – 3 Bestellungen offen ✓",
        text: "Drei Bestellungen sind offen.",
        html: "<p>Drei Bestellungen sind <b>offen</b>.</p>",
        attachments: [
          localFile("Übersicht.csv", "Order,Amount\nA-2,75.5\n", "text/csv"),
          localFile("logo.png", Buffer.from([137, 80, 78, 71, 0, 255]), "image/png")
        ]
      })
    )
    expect(out.labelIds).toEqual(["SENT"])
    const sent = stored(out.id)
    const head = sent.raw.subarray(0, sent.raw.indexOf("\r\n\r\n"))
    expect([...head].every((byte) => byte < 128)).toBe(true)
    expect(header(out.id, "subject")).toBe("Grüße – 3 Bestellungen offen ✓")
    expect(header(out.id, "to")).toContain("Jürgen Müller")
    expect(headerOf(sent.mime.headers, "bcc")).toBeUndefined()
    expect(sent.recipients).toEqual([
      "juergen@example.com",
      "ada@example.com",
      "grace@example.com",
      "audit@example.com"
    ])

    const read = succeeded(await h.runNode(getMessage, { messageId: out.id }))
    expect(read.text).toBe("Drei Bestellungen sind offen.")
    expect(read.html).toBe("<p>Drei Bestellungen sind <b>offen</b>.</p>")
    expect(
      read.attachments.map((a: { filename: string; mimeType: string }) => [a.filename, a.mimeType])
    ).toEqual([
      ["Übersicht.csv", "text/csv"],
      ["logo.png", "image/png"]
    ])
  })

  it("sends a mail over 5 MB through a resumable upload", async () => {
    const big = Buffer.alloc(6 * 1024 * 1024, 65)
    const before = h.exchanges.length
    const out = succeeded(
      await h.runNode(sendMessage, {
        to: "ada@example.com",
        subject: "Big",
        text: "See attached.",
        attachments: [localFile("big.bin", big, "application/octet-stream")]
      })
    )
    const urls = h.exchanges.slice(before).map((e) => `${e.method} ${e.url.split("&upload_id")[0]}`)
    expect(urls[0]).toBe("POST /upload/gmail/v1/users/me/messages/send?uploadType=resumable")
    expect(
      urls.slice(1).every((url) => url.startsWith("PUT /upload/gmail/v1/users/me/messages/send"))
    ).toBe(true)
    const read = succeeded(await h.runNode(getMessage, { messageId: out.id }))
    expect(read.attachments[0]).toMatchObject({ filename: "big.bin", size: big.length })
  })

  it("reads attachments only from files: a URL path is refused and never fetched", async () => {
    let fetched = 0
    const server = createServer((_req, res) => {
      fetched++
      res.end("secret from the network")
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const { port } = server.address() as AddressInfo
    try {
      const before = h.exchanges.length
      for (const path of [
        `http://127.0.0.1:${port}/secret.txt`,
        "data:text/plain;base64,c2VjcmV0",
        "file:///etc/hostname"
      ]) {
        const exit = await h.runNode(sendMessage, {
          to: "ada@example.com",
          subject: "URL attachment",
          text: "See attached.",
          attachments: [{ path, name: "secret.txt", mimeType: "text/plain", size: 6 }]
        })
        expect(errorOf(exit), path).toMatchObject({
          _tag: "InputError",
          issues: [{ path: "attachments[0].path" }]
        })
      }
      expect(fetched).toBe(0)
      expect(h.exchanges.length).toBe(before)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it("fails with TransportError naming an attachment whose file is missing, before sending", async () => {
    const before = h.exchanges.length
    const exit = await h.runNode(sendMessage, {
      to: "ada@example.com",
      subject: "Missing",
      text: "See attached.",
      attachments: [
        { path: join(h.workspace, "nope.csv"), name: "nope.csv", mimeType: "text/csv", size: 3 }
      ]
    })
    const error = errorOf(exit) as { _tag: string; reason: string; message: string }
    expect(error).toMatchObject({ _tag: "TransportError", reason: "RequestBody" })
    expect(error.message).toContain("nope.csv")
    expect(h.exchanges.length).toBe(before)
  })

  it("refuses a mail with neither text nor HTML before sending anything", async () => {
    const before = h.exchanges.length
    const exit = await h.runNode(sendMessage, { to: "ada@example.com", subject: "Empty" })
    expect(exit._tag).toBe("Failure")
    expect(h.exchanges.length).toBe(before)
  })
})

describe("gmail.replyToMessage", () => {
  it("replies to the sender in the same thread, with Re:, In-Reply-To and References", async () => {
    const original = invoice()
    const out = succeeded(
      await h.runNode(replyToMessage, { messageId: original.id, text: "Thanks, paid today." })
    )
    expect(out.threadId).toBe(original.threadId)
    expect(header(out.id, "to")).toBe("grace@example.com")
    expect(header(out.id, "subject")).toBe("Re: Invoice A-1002")
    expect(header(out.id, "in-reply-to")).toBe("<invoice-a-1002@example.com>")
    expect(header(out.id, "references")).toBe("<invoice-a-1002@example.com>")
  })

  it("replies to all, leaving out the account's own address", async () => {
    const id = h.fake.deliver(
      [
        "From: Ada <ada@example.com>",
        `To: ${sandboxMailbox}, team@example.com`,
        "Cc: grace@example.com",
        "Subject: Plan",
        "Message-ID: <plan@example.com>",
        "",
        "Shall we?",
        ""
      ].join("\r\n")
    )
    const out = succeeded(
      await h.runNode(replyToMessage, { messageId: id, text: "Yes.", replyAll: true })
    )
    expect(stored(out.id).recipients).toEqual([
      "ada@example.com",
      "team@example.com",
      "grace@example.com"
    ])
    expect(stored(out.id).threadId).toBe(id)
  })
})

describe("gmail.listMessages and getMessage", () => {
  it("searches the mailbox, with each message's headers", async () => {
    const out = succeeded(await h.runNode(listMessages, { query: "from:grace has:attachment" }))
    expect(out.count).toBe(1)
    expect(out.messages[0]).toMatchObject({
      from: "Grace Hopper <grace@example.com>",
      subject: "Invoice A-1002"
    })
    expect(out.messages[0].snippet).toContain("invoice for order A-1002")
  })

  it("filters by label names and pages with tokens", async () => {
    for (const n of [1, 2, 3]) {
      h.fake.deliver(
        `From: bot@example.com\r\nTo: ${sandboxMailbox}\r\nSubject: Report ${n}\r\n\r\nreport\r\n`,
        ["INBOX", "Label_2"]
      )
    }
    const first = succeeded(
      await h.runNode(listMessages, { labels: ["Reports"], limit: 2, details: false })
    )
    expect(first.messages).toHaveLength(2)
    expect(first.messages[0]).not.toHaveProperty("subject")
    const rest = succeeded(
      await h.runNode(listMessages, { labels: ["Reports"], pageToken: first.nextPageToken })
    )
    expect(rest.messages.map((m: { subject: string }) => m.subject)).toEqual(["Report 1"])
    const all = succeeded(
      await h.runNode(listMessages, {
        labels: ["reports", "INBOX"],
        returnAll: true,
        details: false
      })
    )
    expect(all.count).toBe(3)
    const unknown = await h.runNode(listMessages, { labels: ["Nope"] })
    expect(errorOf(unknown)).toMatchObject({ _tag: "NotFoundError" })
  })

  it("ends a read of several pages exactly at the limit, with a token that skips nothing", async () => {
    for (let n = 0; n < 1200; n++) {
      h.fake.deliver(
        `From: bulk@example.com\r\nTo: ${sandboxMailbox}\r\nSubject: Bulk ${n}\r\n\r\nbulk\r\n`,
        ["INBOX"]
      )
    }
    const query = "from:bulk@example.com"
    const ids = (out: { messages: ReadonlyArray<{ id: string }> }) => out.messages.map((m) => m.id)
    const all = ids(
      succeeded(await h.runNode(listMessages, { query, returnAll: true, details: false }))
    )
    expect(all).toHaveLength(1200)

    const before = h.exchanges.length
    const first = succeeded(
      await h.runNode(listMessages, { query, returnAll: true, limit: 700, details: false })
    )
    expect(
      h.exchanges
        .slice(before)
        .map((e) => new URL(e.url, gmailOrigin).searchParams.get("maxResults"))
    ).toEqual(["500", "200"])
    expect(ids(first)).toEqual(all.slice(0, 700))
    const rest = succeeded(
      await h.runNode(listMessages, {
        query,
        returnAll: true,
        details: false,
        pageToken: first.nextPageToken
      })
    )
    expect(ids(rest)).toEqual(all.slice(700))
    expect(rest.nextPageToken).toBeUndefined()
  })

  it("reads encoded headers, quoted-printable text in its charset, and HTML", async () => {
    const id = h.fake.deliver(
      Buffer.concat([
        Buffer.from(
          [
            "From: =?ISO-8859-1?Q?Ren=E9_Dupont?= <rene@example.com>",
            `To: ${sandboxMailbox}`,
            "Subject: =?UTF-8?B?UsOpc3Vtw6kgZGUgbGEgc2VtYWluZQ==?=",
            'Content-Type: multipart/alternative; boundary="alt"',
            "",
            "--alt",
            "Content-Type: text/plain; charset=iso-8859-1",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            "Voil=E0 le r=E9sum=E9.",
            "--alt",
            "Content-Type: text/html; charset=utf-8",
            "",
            "<p>Voilà</p>",
            "--alt--",
            ""
          ].join("\r\n"),
          "latin1"
        )
      ])
    )
    const read = succeeded(await h.runNode(getMessage, { messageId: id }))
    expect(read).toMatchObject({
      from: "René Dupont <rene@example.com>",
      subject: "Résumé de la semaine",
      text: "Voilà le résumé.",
      attachments: []
    })
    expect(read.html).toContain("<p>")
  })

  it("fails with NotFoundError for an unknown message", async () => {
    const exit = await h.runNode(getMessage, { messageId: "18f00000000fffff" })
    expect(errorOf(exit)).toMatchObject({ _tag: "NotFoundError", status: 404 })
  })
})

describe("gmail.downloadAttachment", () => {
  it("saves an attachment by file name or part", async () => {
    const { id } = invoice()
    const byName = succeeded(
      await h.runNode(downloadAttachment, { messageId: id, attachment: "A-1002.pdf" })
    )
    expect(byName.file).toMatchObject({ name: "A-1002.pdf", mimeType: "application/pdf" })
    expect(readFileSync(byName.file.path, "utf8")).toBe("%PDF-1.4 sandbox invoice A-1002\n")
    const byPart = succeeded(
      await h.runNode(downloadAttachment, { messageId: id, attachment: "1", name: "invoice.pdf" })
    )
    expect(byPart.file.name).toBe("invoice.pdf")
    expect(byPart.file.size).toBe(byName.file.size)
  })

  it("names the attachments a message has when the one asked for is missing", async () => {
    const exit = await h.runNode(downloadAttachment, {
      messageId: invoice().id,
      attachment: "nope.pdf"
    })
    expect(errorOf(exit)).toMatchObject({
      _tag: "NotFoundError",
      message: expect.stringContaining("A-1002.pdf")
    })
  })
})

describe("labels and trash", () => {
  it("adds a label by name and marks the message read", async () => {
    const { id } = invoice()
    const out = succeeded(
      await h.runNode(modifyLabels, { messageId: id, add: ["Reports"], remove: ["unread"] })
    )
    expect(out.labelIds).toContain("Label_2")
    expect(out.labelIds).not.toContain("UNREAD")
  })

  it("moves a message to the trash, out of the lists", async () => {
    const id = h.fake.deliver(
      `From: spam@example.com\r\nTo: ${sandboxMailbox}\r\nSubject: Junk\r\n\r\njunk\r\n`
    )
    const out = succeeded(await h.runNode(trashMessage, { messageId: id }))
    expect(out.labelIds).toContain("TRASH")
    const listed = succeeded(
      await h.runNode(listMessages, { query: "subject:junk", details: false })
    )
    expect(listed.count).toBe(0)
    const withTrash = succeeded(
      await h.runNode(listMessages, {
        query: "subject:junk",
        includeSpamTrash: true,
        details: false
      })
    )
    expect(withTrash.count).toBe(1)
  })
})

describe("scopes", () => {
  it("sends with gmail.send alone, and names gmail.readonly when a reply needs it", async () => {
    h.fake.grantScopes("sender", [googleScopes.gmailSend])
    succeeded(
      await h.runNode(
        sendMessage,
        { to: "ada@example.com", subject: "Hi", text: "Hi" },
        testCredential(["sender"])
      )
    )
    const exit = await h.runNode(
      replyToMessage,
      { messageId: invoice().id, text: "x" },
      testCredential(["sender"])
    )
    expect(errorOf(exit)).toMatchObject({
      _tag: "PermissionError",
      missingScope: googleScopes.gmailRead
    })
    h.fake.grantScopes("replier", [googleScopes.gmailSend, googleScopes.gmailRead])
    succeeded(
      await h.runNode(
        replyToMessage,
        { messageId: invoice().id, text: "x" },
        testCredential(["replier"])
      )
    )
    for (const node of integration.nodes) expect(node.scopes?.length, node.type).toBeGreaterThan(0)
  })

  it("tells a service account to list the scope in its credential and its delegation", async () => {
    h.fake.grantScopes("robot", [googleScopes.drive])
    const account = testCredential(["robot"], "robot")
    const serviceAccount = {
      ...account,
      authenticator: { ...account.authenticator, credentialType: "google.serviceAccount" }
    }
    const exit = await h.runNode(
      sendMessage,
      { to: "ada@example.com", subject: "Hi", text: "Hi" },
      serviceAccount
    )
    const error = errorOf(exit) as { _tag: string; missingScope: string; message: string }
    expect(error).toMatchObject({ _tag: "PermissionError", missingScope: googleScopes.gmailSend })
    expect(error.message).toContain("`scopes` field")
    expect(error.message).toContain("domain-wide delegation")
    expect(error.message).not.toContain("consent screen")
  })
})
