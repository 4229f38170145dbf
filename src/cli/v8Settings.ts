/**
 * V8 settings for the command's process, made when the command starts (before the first
 * request), so imported first by its entry point.
 *
 * undici parses HTTP responses with llhttp, a WebAssembly module. V8 compiles it with its
 * baseline compiler and, once it has parsed a response or two, compiles it again with its
 * optimising compiler on a background thread; Node waits for that compilation to finish
 * before the process may exit. For a `run` that makes a few requests that wait was 80-250
 * ms of every run, longer than the run itself. A command's process ends before the
 * optimised parser could pay that back (on the benchmark's calls the baseline parser costs
 * no measurable time per request), so the command keeps WebAssembly on the baseline
 * compiler. Only the command does this: the library leaves the host's V8 alone.
 *
 * @module
 */
import { setFlagsFromString } from "node:v8"

setFlagsFromString("--liftoff-only")
