/**
 * Node `googleDrive.shareFile`: shares a file with a person, a group, a domain or anyone.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import { googleScopes } from "../google/scopes.js"
import { driveCategory, driveCredentials, driveDocs, FileId } from "./fields.js"
import { GoogleDrive } from "./service.js"

/** Input of `googleDrive.shareFile`. */
export const ShareFileInput = Schema.Struct({
  fileId: FileId,
  role: Schema.Literal(
    "reader",
    "commenter",
    "writer",
    "fileOrganizer",
    "organizer",
    "owner"
  ).annotations({
    title: "Role",
    description:
      "What they may do: reader (view), commenter, writer (edit), fileOrganizer or organizer (shared drives), owner (transfers ownership).",
    examples: ["reader"]
  }),
  type: Schema.Literal("user", "group", "domain", "anyone").annotations({
    title: "Share with",
    description: "A person (user), a Google Group, everyone in a domain, or anyone with the link.",
    examples: ["user"]
  }),
  emailAddress: Schema.optional(
    Schema.String.pipe(Schema.pattern(/^[^@\s]+@[^@\s]+$/)).annotations({
      title: "Email",
      description: "The person's or group's email address.",
      examples: ["ada@example.com"]
    })
  ),
  domain: Schema.optional(
    Schema.String.annotations({
      title: "Domain",
      description: "The domain, for type domain.",
      examples: ["example.com"]
    })
  ),
  allowFileDiscovery: Schema.optional(
    Schema.Boolean.annotations({
      title: "Findable in search",
      description:
        "For domain and anyone: whether the file shows up in search, or only opens with its link."
    })
  ),
  sendNotificationEmail: Schema.optional(
    Schema.Boolean.annotations({
      title: "Notify",
      description: "Send the person or group an email about it (Drive does by default)."
    })
  ),
  emailMessage: Schema.optional(
    Schema.String.annotations({
      title: "Message",
      description: "A note to include in the notification email."
    })
  )
})
  .pipe(
    Schema.filter((input) => {
      if ((input.type === "user" || input.type === "group") && input.emailAddress === undefined) {
        return { path: ["emailAddress"], message: "Give the email address of the person or group." }
      }
      if (input.type === "domain" && input.domain === undefined) {
        return { path: ["domain"], message: "Give the domain to share with." }
      }
      return undefined
    })
  )
  .annotations({ title: "Share file", description: "Who gets access, and what access." })

/** Output of `googleDrive.shareFile`. */
export const ShareFileOutput = Schema.Struct({
  permissionId: Schema.String.annotations({
    title: "Permission id",
    description: "The id of the new permission."
  }),
  role: Schema.String.annotations({ title: "Role", description: "The role granted." }),
  type: Schema.String.annotations({
    title: "Shared with",
    description: "user, group, domain or anyone."
  }),
  emailAddress: Schema.optional(
    Schema.String.annotations({ title: "Email", description: "Who it was shared with." })
  ),
  domain: Schema.optional(
    Schema.String.annotations({ title: "Domain", description: "The domain it was shared with." })
  )
}).annotations({ title: "Shared" })

/**
 * Grants a permission on a file or folder. Making someone the owner transfers ownership
 * (your account keeps edit access). Fails with `ValidationError` when Drive refuses the
 * combination (a message without a notification), and `PermissionError` when the account
 * may not share the file.
 */
export const shareFile = defineNode({
  type: "googleDrive.shareFile",
  version: 1,
  title: "Share file",
  description: "Shares a file or folder with a person, a group, a domain or anyone with the link.",
  category: driveCategory,
  credentials: driveCredentials,
  docsUrl: driveDocs("permissions/create"),
  scopes: [googleScopes.drive],
  input: ShareFileInput,
  output: ShareFileOutput,
  run: (input) =>
    Effect.flatMap(GoogleDrive, (drive) =>
      drive.share(input.fileId, {
        ...input,
        transferOwnership: input.role === "owner" ? true : undefined
      })
    ).pipe(
      Effect.map((permission) => ({
        permissionId: permission.id,
        role: permission.role,
        type: permission.type,
        emailAddress: permission.emailAddress,
        domain: permission.domain
      }))
    )
})
