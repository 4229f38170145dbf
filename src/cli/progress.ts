/**
 * Progress of a run on stderr: one line per finished step with its duration, and on a
 * terminal a live line with the running step and the time it has taken so far.
 *
 * ```text
 * ✓ [1/2] items     http.request  succeeded in 89 ms
 * ✗ [2/2] summary   http.request  failed in 1.2 s (2 attempts): ServerError: ...
 * ```
 *
 * @module
 */
import type { RunObserver, StepEvent, StepResult } from "../runtime/executor.js"
import type { Terminal } from "./terminal.js"

/** How often the live line's elapsed time is redrawn. */
const tickMs = 100

/** A run observer that reports progress to the terminal; `stop` clears its live line. */
export const progressReporter = (
  terminal: Terminal
): RunObserver & { readonly stop: () => void } => {
  let timer: ReturnType<typeof setInterval> | undefined

  const stopTimer = () => {
    if (timer !== undefined) clearInterval(timer)
    timer = undefined
    terminal.status(undefined)
  }

  const stepStarted = (event: StepEvent) => {
    if (!terminal.interactive) return
    const started = Date.now()
    const draw = () =>
      terminal.status(
        `… ${position(event)} ${event.step}  ${event.node}  ${formatDuration(Date.now() - started)}`
      )
    stopTimer()
    draw()
    timer = setInterval(draw, tickMs)
    timer.unref()
  }

  const stepFinished = (event: StepEvent & { readonly result: StepResult }) => {
    stopTimer()
    terminal.err(finishedLine(event, event.result))
  }

  return { stepStarted, stepFinished, stop: stopTimer }
}

const finishedLine = (event: StepEvent, result: StepResult): string => {
  const head = `${mark[result.status]} ${position(event)} ${event.step}  ${event.node}`
  if (result.status === "skipped") return `${head}  skipped`
  const attempts = result.attempts > 1 ? ` (${result.attempts} attempts)` : ""
  const took = `${result.status} in ${formatDuration(result.durationMs)}${attempts}`
  if (result.status === "succeeded") return `${head}  ${took}`
  const tag = String(result.error?._tag ?? "Error")
  const message = String(result.error?.message ?? "").split("\n")[0]
  return `${head}  ${took}: ${tag}: ${message}`
}

const mark: Record<StepResult["status"], string> = { succeeded: "✓", failed: "✗", skipped: "-" }

const position = (event: StepEvent): string => `[${event.index + 1}/${event.total}]`

/** `89 ms`, `1.2 s`, `2 min 5 s`. */
export const formatDuration = (ms: number): string => {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}
