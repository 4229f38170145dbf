import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { integration as gmail } from "../../../nodes/gmail/index.js"
import { integration as drive } from "../../../nodes/googleDrive/index.js"
import { integration as sheets } from "../../../nodes/googleSheets/index.js"
import type { IntegrationDefinition } from "../../../src/node/defineIntegration.js"
import { buildManifest } from "../../../src/node/manifest.js"

const integrations: ReadonlyArray<IntegrationDefinition> = [gmail, drive, sheets]

describe("the Google integrations in the manifest", () => {
  const built = buildManifest(integrations, {
    name: "rpa-integrations",
    version: "0.0.0",
    engines: { node: ">=20" }
  })

  it("pass the registry's checks, and every schema has a JSON Schema form", () => {
    expect(Either.isRight(built), Either.isLeft(built) ? built.left.message : "").toBe(true)
  })

  it("list each node with its category, docs link, credential types and icon", () => {
    if (Either.isLeft(built)) return
    const nodes = built.right.manifest.nodes
    expect(nodes).toHaveLength(27)
    const categories = Object.fromEntries(
      integrations.map((i) => [i.name, new Set(i.nodes.map((n) => n.category))])
    )
    expect(categories).toEqual({
      gmail: new Set(["Communication"]),
      googleDrive: new Set(["Files"]),
      googleSheets: new Set(["Data"])
    })
    for (const node of integrations.flatMap((i) => i.nodes)) {
      if (node.credentials.required)
        expect(node.docsUrl, node.type).toMatch(/^https:\/\/developers\.google\.com\//)
    }
  })

  it("annotate every field of every node's input with a title and a description", () => {
    if (Either.isLeft(built)) return
    for (const [path, text] of built.right.files) {
      if (!path.startsWith("schemas/nodes/") || !path.endsWith(".input.json")) continue
      const schema = JSON.parse(text) as {
        properties?: Record<string, { title?: string; description?: string }>
      }
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        expect(property.title, `${path} ${name}`).toBeTruthy()
        expect(property.description, `${path} ${name}`).toBeTruthy()
      }
    }
  })
})
