/**
 * Input rules whose messages say the limit: a flow author sees "must be at most 40,000
 * characters (Slack's limit …)", never the field's description or the whole value.
 *
 * @module
 */
import { Schema } from "effect"

/**
 * A length limit whose message names the limit and the length given, and survives the
 * field's own annotations (a description set after a rule without a message would
 * replace the rule's message).
 */
export const atMostCharacters = <S extends Schema.Schema.Any>(max: number, limit: string) =>
  Schema.maxLength<S>(max, {
    message: (issue) =>
      `must be at most ${count(max)} characters (${limit}); this one has ${count(String(issue.actual).length)}`
  })

/** A range of whole numbers whose message names the range, like {@link atMostCharacters}. */
export const wholeNumberBetween = <S extends Schema.Schema.Any>(min: number, max: number) =>
  Schema.between<S>(min, max, {
    message: (issue) => `must be from ${count(min)} to ${count(max)}; got ${String(issue.actual)}`
  })

const count = (n: number) => n.toLocaleString("en-US")
