/**
 * Secret markers for leak tests: distinctive credential values, the forms they take once
 * encoded (JSON, URL, base64, a cut-off prefix), and a scanner that says where any of
 * them turns up in what a run wrote.
 *
 * Every marker holds a random 32-digit hex core. The scanner looks for the whole marker in
 * each of its encodings, and for any 12 consecutive digits of the core, so a secret that
 * was cut short, escaped differently or wrapped in other text is still found. It also
 * looks for the core inside base64 text at each of the three byte alignments, which finds
 * it in an HTTP Basic header whatever the user name.
 *
 * @module
 */
import { randomBytes } from "node:crypto"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative } from "node:path"

/** A credential value to hunt for, with the random core that identifies it. */
export interface Marker {
  /** What kind of value it is, for test names and leak reports. */
  readonly label: string
  readonly value: string
  /** 32 hex digits that appear in `value` and nowhere else. */
  readonly core: string
}

/** One place a marker turned up: which output, which form of the marker, and around it. */
export interface Leak {
  readonly source: string
  readonly marker: string
  readonly form: string
  readonly context: string
}

/** What to scan: output name to text or bytes. */
export type Outputs = Readonly<Record<string, string | Uint8Array>>

/**
 * Three fresh markers: `plain` (`rpa-marker-<hex>`), `base64ish` (`+`, `/` and `=` in
 * it, like many API keys) and `urlSpecial` (a space and every character that means
 * something in a URL, in JSON or in a header parameter).
 */
export const makeMarkers = (): {
  readonly plain: Marker
  readonly base64ish: Marker
  readonly urlSpecial: Marker
} => {
  const make = (label: string, wrap: (core: string) => string): Marker => {
    const core = randomBytes(16).toString("hex")
    return { label, value: wrap(core), core }
  }
  return {
    plain: make("plain", (core) => `rpa-marker-${core}`),
    base64ish: make("base64ish", (core) => `rpa+B64/${core}+/9==`),
    urlSpecial: make("urlSpecial", (core) => `rpa mk~${core} &=?#%/+:@!'()*"\\;,[]{}<>|^\``)
  }
}

/** Every marker of {@link makeMarkers}, as a list. */
export const allMarkers = (markers: ReturnType<typeof makeMarkers>): ReadonlyArray<Marker> => [
  markers.plain,
  markers.base64ish,
  markers.urlSpecial
]

/**
 * A marker for a value the test did not make with {@link makeMarkers} (a token a fake
 * server issued): its core is its first run of 16 or more hex digits, else the whole value.
 */
export const markerOf = (label: string, value: string): Marker => ({
  label,
  value,
  core: /[0-9a-f]{16,}/.exec(value)?.[0] ?? value
})

/**
 * Every place any of the markers turns up in the outputs (at most five per output and
 * marker, overlapping finds merged); empty when nothing leaked.
 */
export const findLeaks = (
  outputs: Outputs,
  markers: ReadonlyArray<Marker>
): ReadonlyArray<Leak> => {
  const leaks: Array<Leak> = []
  for (const [source, content] of Object.entries(outputs)) {
    const text = typeof content === "string" ? content : Buffer.from(content).toString("latin1")
    for (const marker of markers) {
      for (const found of occurrences(text, marker).slice(0, 5)) {
        leaks.push({
          source,
          marker: marker.label,
          form: found.form,
          context: text.slice(Math.max(0, found.start - 40), found.end + 40)
        })
      }
    }
  }
  return leaks
}

/** Every regular file under a directory, by path relative to it, with its bytes. */
export const filesUnder = (directory: string): Record<string, Uint8Array> => {
  const files: Record<string, Uint8Array> = {}
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) walk(path)
      else files[relative(directory, path)] = readFileSync(path)
    }
  }
  walk(directory)
  return files
}

/** How many times `***` (the scrubber's mask) appears: proof that there was something to scrub. */
export const maskCount = (text: string): number => text.split("***").length - 1

// ---------------------------------------------------------------------------------------

/** The shortest run of core digits that counts as a leak. */
const window = 12

interface Form {
  readonly form: string
  readonly needle: string
}

const formsCache = new WeakMap<Marker, ReadonlyArray<Form>>()

interface Occurrence {
  readonly form: string
  readonly start: number
  readonly end: number
}

/** Where the marker's forms occur in the text, overlapping finds merged into the first. */
const occurrences = (text: string, marker: Marker): ReadonlyArray<Occurrence> => {
  const found: Array<Occurrence> = []
  for (const { form, needle } of formsOf(marker)) {
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
      found.push({ form, start: at, end: at + needle.length })
    }
  }
  found.sort((a, b) => a.start - b.start)
  const merged: Array<Occurrence> = []
  for (const next of found) {
    const last = merged[merged.length - 1]
    if (last !== undefined && next.start <= last.end) {
      merged[merged.length - 1] = { ...last, end: Math.max(last.end, next.end) }
    } else merged.push(next)
  }
  return merged
}

/** The whole marker in each encoding first (clearer reports), then fragments of the core. */
const formsOf = (marker: Marker): ReadonlyArray<Form> => {
  const cached = formsCache.get(marker)
  if (cached !== undefined) return cached
  const { value, core } = marker
  const forms: Array<Form> = [
    { form: "as is", needle: value },
    { form: "JSON-escaped", needle: JSON.stringify(value).slice(1, -1) },
    { form: "URL-encoded", needle: encodeURIComponent(value) },
    { form: "form-encoded", needle: new URLSearchParams({ v: value }).toString().slice(2) },
    { form: "base64", needle: Buffer.from(value).toString("base64").replace(/=+$/, "") },
    { form: "base64url", needle: Buffer.from(value).toString("base64url") }
  ]
  for (let i = 0; i + window <= core.length; i++) {
    forms.push({ form: `core[${i}..${i + window}]`, needle: core.slice(i, i + window) })
  }
  forms.push(...base64Fragments(core))
  const unique = forms.filter(
    (form, i) => form.needle.length >= 4 && forms.findIndex((f) => f.needle === form.needle) === i
  )
  formsCache.set(marker, unique)
  return unique
}

/**
 * The part of the base64 text of `core` that is the same wherever `core` sits in the
 * encoded bytes: one fragment per alignment, in both base64 alphabets.
 */
const base64Fragments = (core: string): ReadonlyArray<Form> =>
  [0, 1, 2].flatMap((pad) => {
    const encoded = Buffer.concat([Buffer.alloc(pad), Buffer.from(core)]).toString("base64")
    const skip = pad === 0 ? 0 : 4
    const fragment = encoded.slice(skip, encoded.length - 4)
    return [
      { form: `base64 of the core (alignment ${pad})`, needle: fragment },
      {
        form: `base64url of the core (alignment ${pad})`,
        needle: fragment.replace(/\+/g, "-").replace(/\//g, "_")
      }
    ]
  })
