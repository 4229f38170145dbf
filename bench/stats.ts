/** Small statistics for noisy measurements: medians and rate-limit windows. */

/** The middle value (the mean of the two middle values for an even count); NaN when empty. */
export const median = (values: ReadonlyArray<number>): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** The smallest and largest value. */
export const range = (values: ReadonlyArray<number>): readonly [number, number] => [
  Math.min(...values),
  Math.max(...values)
]

/**
 * The most timestamps in any window `[t, t + windowMs)`, wherever it starts: the windows
 * worth checking start at a timestamp, so a two-pointer sweep over the sorted times finds it.
 */
export const busiestWindow = (times: ReadonlyArray<number>, windowMs: number): number => {
  const sorted = [...times].sort((a, b) => a - b)
  let most = 0
  let end = 0
  for (let start = 0; start < sorted.length; start++) {
    while (end < sorted.length && sorted[end]! < sorted[start]! + windowMs) end++
    most = Math.max(most, end - start)
  }
  return most
}

/** Rotates `items` by `by` places, so each round starts with a different variant. */
export const rotate = <A>(items: ReadonlyArray<A>, by: number): Array<A> => {
  const n = by % items.length
  return [...items.slice(n), ...items.slice(0, n)]
}
