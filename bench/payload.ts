/**
 * The body of the benchmarks' typical API call: a list of 10 items, each shaped like a
 * record a list endpoint returns (ids, text, a flag, a timestamp, a nested object, tags).
 */
export const benchItems = Array.from({ length: 10 }, (_, i) => ({
  id: 1000 + i,
  title: `Invoice ${1000 + i} for ACME Corporation`,
  state: i % 2 === 0 ? "open" : "closed",
  amount: 125.5 * (i + 1),
  paid: i % 3 === 0,
  createdAt: "2026-01-15T10:00:00Z",
  customer: { id: 42, name: "ACME Corporation", email: "billing@acme.example" },
  tags: ["finance", "q1"]
}))

/** The bearer token every benchmark client sends. */
export const benchToken = "bench-token-3f9a7c1e5b"
