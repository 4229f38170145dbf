/**
 * The run's workspace: the directory where steps write the files they produce.
 *
 * @module
 */
import { Context } from "effect"

/** Where a run keeps the files its steps download or create. */
export class Workspace extends Context.Tag("rpa/Workspace")<
  Workspace,
  {
    /** Absolute path of the run's file directory; it exists. */
    readonly directory: string
  }
>() {}
