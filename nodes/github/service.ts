/**
 * The `github` integration's service: GitHub's REST API over the kernel.
 *
 * Every request names API version 2022-11-28 and asks for GitHub's JSON. Lists follow the
 * `Link` header page by page and stop as soon as the step has the items it asked for. The
 * client is made once per layer, with the classifier for GitHub's rate-limit, validation
 * and not-found answers and its content-creation and search limits.
 *
 * @module
 */
import { Chunk, Context, Effect, Layer, Option, ParseResult, Schema, Stream } from "effect"
import {
  ConflictError,
  DecodeError,
  type KernelError,
  ServerError,
  TimeoutError,
  TransportError,
  ValidationError
} from "../../src/http/errors.js"
import type { FileRef } from "../../src/http/files.js"
import type { ClientConfig, HttpClient } from "../../src/http/kernel.js"
import { HttpKernel } from "../../src/http/kernel.js"
import { items, pages } from "../../src/http/pagination.js"
import type { HttpRequest, QueryValue } from "../../src/http/request.js"
import type { Workspace } from "../../src/http/workspace.js"
import type { IntegrationContext } from "../../src/node/defineIntegration.js"
import { classifyGitHubResponse } from "./errors.js"
import { blobSha } from "./gitBlob.js"
import { githubRateLimits } from "./rateLimits.js"
import {
  GitHubComment,
  GitHubCommitRef,
  GitHubContent,
  type GitHubContentFile,
  GitHubFileCommit,
  GitHubIssue,
  GitHubPullRequest,
  GitHubRelease,
  GitHubRepository,
  GitHubSearchPage
} from "./schemas.js"

/** GitHub's REST API base URL. */
export const githubApiUrl = "https://api.github.com"

/** The REST API version every request names. */
export const githubApiVersion = "2022-11-28"

/** A repository by owner and name. */
export interface RepoRef {
  readonly owner: string
  readonly repo: string
}

/** Which repositories to list. */
export interface RepositoryQuery {
  /** An organisation or user; without one, the credential's own repositories. */
  readonly owner?: string | undefined
  readonly ownerKind?: "organization" | "user" | undefined
  readonly visibility?: "all" | "public" | "private" | undefined
  readonly sort?: "created" | "updated" | "pushed" | "full_name" | undefined
  readonly direction?: "asc" | "desc" | undefined
  readonly limit: number
}

/** Which issues of a repository to list. */
export interface IssueQuery extends RepoRef {
  readonly state?: "open" | "closed" | "all" | undefined
  readonly labels?: ReadonlyArray<string> | undefined
  readonly assignee?: string | undefined
  readonly creator?: string | undefined
  readonly mentioned?: string | undefined
  readonly milestone?: string | undefined
  readonly since?: string | undefined
  readonly sort?: "created" | "updated" | "comments" | undefined
  readonly direction?: "asc" | "desc" | undefined
  /** GitHub lists pull requests as issues too; they are left out unless this is true. */
  readonly includePullRequests?: boolean | undefined
  readonly limit: number
}

/** The fields of a new issue, or those to change. */
export interface IssueFields {
  readonly title?: string | undefined
  readonly body?: string | undefined
  readonly labels?: ReadonlyArray<string> | undefined
  readonly assignees?: ReadonlyArray<string> | undefined
  readonly milestone?: number | null | undefined
  readonly state?: "open" | "closed" | undefined
  readonly stateReason?: "completed" | "not_planned" | "reopened" | "duplicate" | undefined
}

/** Which pull requests to list. */
export interface PullRequestQuery extends RepoRef {
  readonly state?: "open" | "closed" | "all" | undefined
  readonly base?: string | undefined
  readonly head?: string | undefined
  readonly sort?: "created" | "updated" | "popularity" | "long-running" | undefined
  readonly direction?: "asc" | "desc" | undefined
  /** Only merged pull requests. */
  readonly mergedOnly?: boolean | undefined
  /** Only pull requests merged after this time (ISO 8601). */
  readonly mergedAfter?: string | undefined
  readonly limit: number
}

/** A file to write, with its content in base64. */
export interface FileWrite extends RepoRef {
  readonly path: string
  readonly message: string
  readonly contentBase64: string
  /** The blob sha of the file being replaced; looked up when not given. */
  readonly sha?: string | undefined
  readonly branch?: string | undefined
  readonly committer?: { readonly name: string; readonly email: string } | undefined
}

/** A written file: whether it was new, and its blob and commit. */
export interface WrittenFile {
  readonly created: boolean
  readonly path: string
  readonly sha: string
  readonly commitSha: string
  readonly commitUrl: string | undefined
}

/** A release to create. */
export interface ReleaseFields {
  readonly tagName: string
  readonly targetCommitish?: string | undefined
  readonly name?: string | undefined
  readonly body?: string | undefined
  readonly draft?: boolean | undefined
  readonly prerelease?: boolean | undefined
  readonly generateReleaseNotes?: boolean | undefined
  readonly makeLatest?: "true" | "false" | "legacy" | undefined
}

/** A search for issues and pull requests. */
export interface SearchQuery {
  readonly query: string
  readonly sort?: "comments" | "reactions" | "created" | "updated" | "interactions" | undefined
  readonly order?: "asc" | "desc" | undefined
  readonly limit: number
}

/** What a search found: the total, and the first `limit` items. */
export interface SearchResult {
  readonly totalCount: number
  readonly incompleteResults: boolean
  readonly items: ReadonlyArray<GitHubIssue>
}

/** GitHub's REST API, as the GitHub nodes use it; every method fails with a typed error. */
export interface GitHubApi {
  readonly listRepositories: (
    query: RepositoryQuery
  ) => Effect.Effect<ReadonlyArray<GitHubRepository>, KernelError>
  readonly getRepository: (repo: RepoRef) => Effect.Effect<GitHubRepository, KernelError>
  readonly listIssues: (query: IssueQuery) => Effect.Effect<ReadonlyArray<GitHubIssue>, KernelError>
  readonly createIssue: (
    repo: RepoRef,
    fields: IssueFields & { readonly title: string }
  ) => Effect.Effect<GitHubIssue, KernelError>
  readonly updateIssue: (
    repo: RepoRef,
    issue: number,
    fields: IssueFields
  ) => Effect.Effect<GitHubIssue, KernelError>
  readonly createComment: (
    repo: RepoRef,
    issue: number,
    body: string
  ) => Effect.Effect<GitHubComment, KernelError>
  readonly listPullRequests: (
    query: PullRequestQuery
  ) => Effect.Effect<ReadonlyArray<GitHubPullRequest>, KernelError>
  /** A file's metadata and text; a file past 1 MB is read raw. */
  readonly getFile: (
    repo: RepoRef,
    path: string,
    ref: string | undefined
  ) => Effect.Effect<{ readonly file: GitHubContentFile; readonly bytes: Uint8Array }, KernelError>
  /** Streams a file's raw bytes to the run's workspace. */
  readonly downloadFile: (
    repo: RepoRef,
    path: string,
    ref: string | undefined
  ) => Effect.Effect<FileRef, KernelError, Workspace>
  /**
   * Creates or replaces a file. A write whose answer was lost is settled by reading the
   * file back: holding the new content, it succeeded (see `confirmWrite`).
   */
  readonly putFile: (write: FileWrite) => Effect.Effect<WrittenFile, KernelError>
  readonly getLatestRelease: (repo: RepoRef) => Effect.Effect<GitHubRelease, KernelError>
  readonly createRelease: (
    repo: RepoRef,
    fields: ReleaseFields
  ) => Effect.Effect<GitHubRelease, KernelError>
  readonly searchIssues: (query: SearchQuery) => Effect.Effect<SearchResult, KernelError>
}

/** The `github` integration's service, one per step credential. */
export class GitHub extends Context.Tag("rpa/GitHub")<GitHub, GitHubApi>() {
  /** Builds the service for one step's credential; the client is made once per layer. */
  static readonly layer = (context: IntegrationContext): Layer.Layer<GitHub, never, HttpKernel> =>
    Layer.effect(
      GitHub,
      Effect.map(HttpKernel, (kernel) => makeGitHub(kernel.client(githubClientConfig(context))))
    )
}

/** The kernel client settings of the GitHub integration for one step's credential. */
export const githubClientConfig = (context: IntegrationContext): ClientConfig => {
  const credentialId = context.authenticator?.credentialId
  return {
    integration: "github",
    baseUrl: githubApiUrl,
    authenticator: context.authenticator,
    classify: classifyGitHubResponse(credentialId),
    rateLimitsFor: githubRateLimits(credentialId ?? "anonymous")
  }
}

/** Headers of every request: GitHub's JSON, and the API version. */
const jsonHeaders = {
  accept: "application/vnd.github+json",
  "x-github-api-version": githubApiVersion
}

const rawHeaders = {
  accept: "application/vnd.github.raw+json",
  "x-github-api-version": githubApiVersion
}

const linkPages = { _tag: "LinkHeader" } as const

/** Most items GitHub puts on a page. */
const maxPerPage = 100

/** The GitHub API over one kernel client. */
export const makeGitHub = (client: HttpClient): GitHubApi => {
  const call = <A, I>(request: Omit<HttpRequest, "headers">, schema: Schema.Schema<A, I>) =>
    client.json({ ...request, headers: jsonHeaders }, schema)

  /** The items of a listing, decoded, kept by `keep`, stopped early by `until`, up to `limit`. */
  const list = <A, I>(
    path: string,
    query: Query,
    schema: Schema.Schema<A, I>,
    options: {
      readonly limit: number
      readonly keep?: ((item: A) => boolean) | undefined
      readonly until?: ((item: A) => boolean) | undefined
    }
  ): Effect.Effect<ReadonlyArray<A>, KernelError> => {
    const filtered = options.keep !== undefined || options.until !== undefined
    const request: HttpRequest = {
      method: "GET",
      url: githubApiUrl + path,
      headers: jsonHeaders,
      query: {
        ...query,
        per_page: filtered ? maxPerPage : Math.min(maxPerPage, Math.max(1, options.limit))
      }
    }
    const decode = Schema.decodeUnknown(schema)
    const decoded = items(
      client,
      request,
      linkPages,
      filtered ? {} : { limit: options.limit }
    ).pipe(Stream.mapEffect((item) => Effect.mapError(decode(item), decodeError(path))))
    const bounded =
      options.until === undefined ? decoded : Stream.takeWhile(decoded, (a) => !options.until!(a))
    const kept = options.keep === undefined ? bounded : Stream.filter(bounded, options.keep)
    return Stream.runCollect(Stream.take(kept, options.limit)).pipe(
      Effect.map(Chunk.toReadonlyArray)
    )
  }

  const repoPath = (ref: RepoRef) =>
    `/repos/${encodeURIComponent(ref.owner)}/${encodeURIComponent(ref.repo)}`

  const contentsPath = (ref: RepoRef, path: string) =>
    `${repoPath(ref)}/contents/${path
      .split("/")
      .filter((p) => p !== "")
      .map(encodeURIComponent)
      .join("/")}`

  const getFile: GitHubApi["getFile"] = (ref, path, gitRef) =>
    Effect.gen(function* () {
      const content = yield* call(
        { method: "GET", url: githubApiUrl + contentsPath(ref, path), query: { ref: gitRef } },
        GitHubContent
      )
      if (Array.isArray(content) || !("sha" in content)) {
        return yield* Effect.fail(notAFile(ref, path))
      }
      if (content.encoding === "base64" && content.content !== undefined) {
        return { file: content, bytes: Buffer.from(content.content, "base64") }
      }
      const raw = yield* client.request({
        method: "GET",
        url: githubApiUrl + contentsPath(ref, path),
        query: { ref: gitRef },
        headers: rawHeaders
      })
      return { file: content, bytes: raw.body }
    })

  return {
    listRepositories: (query) => {
      const path =
        query.owner === undefined
          ? "/user/repos"
          : query.ownerKind === "user"
            ? `/users/${encodeURIComponent(query.owner)}/repos`
            : `/orgs/${encodeURIComponent(query.owner)}/repos`
      return list(
        path,
        {
          ...(query.owner === undefined ? { visibility: query.visibility } : {}),
          sort: query.sort,
          direction: query.direction
        },
        GitHubRepository,
        { limit: query.limit }
      )
    },

    getRepository: (ref) =>
      call({ method: "GET", url: githubApiUrl + repoPath(ref) }, GitHubRepository),

    listIssues: (query) =>
      list(
        `${repoPath(query)}/issues`,
        {
          state: query.state,
          labels:
            query.labels === undefined || query.labels.length === 0
              ? undefined
              : query.labels.join(","),
          assignee: query.assignee,
          creator: query.creator,
          mentioned: query.mentioned,
          milestone: query.milestone,
          since: query.since,
          sort: query.sort,
          direction: query.direction
        },
        GitHubIssue,
        {
          limit: query.limit,
          keep:
            query.includePullRequests === true
              ? undefined
              : (issue) => issue.pull_request === undefined
        }
      ),

    createIssue: (ref, fields) =>
      call(
        {
          method: "POST",
          url: `${githubApiUrl}${repoPath(ref)}/issues`,
          body: { _tag: "Json", value: issueBody(fields) }
        },
        GitHubIssue
      ),

    updateIssue: (ref, issue, fields) =>
      call(
        {
          method: "PATCH",
          url: `${githubApiUrl}${repoPath(ref)}/issues/${issue}`,
          body: { _tag: "Json", value: issueBody(fields) }
        },
        GitHubIssue
      ),

    createComment: (ref, issue, body) =>
      call(
        {
          method: "POST",
          url: `${githubApiUrl}${repoPath(ref)}/issues/${issue}/comments`,
          body: { _tag: "Json", value: { body } }
        },
        GitHubComment
      ),

    listPullRequests: (query) => {
      const merged = query.mergedOnly === true || query.mergedAfter !== undefined
      const after = query.mergedAfter
      // Sorted by last update, newest first, a list can stop at the first pull request
      // updated before `mergedAfter`: it, and all after it, were merged (if ever) before.
      const byUpdate =
        after !== undefined && query.sort === undefined && query.direction === undefined
      return list(
        `${repoPath(query)}/pulls`,
        {
          state: merged ? (query.state ?? "closed") : query.state,
          base: query.base,
          head: query.head,
          sort: byUpdate ? "updated" : query.sort,
          direction: byUpdate ? "desc" : query.direction
        },
        GitHubPullRequest,
        {
          limit: query.limit,
          keep: merged
            ? (pull) => pull.merged_at !== null && (after === undefined || pull.merged_at > after)
            : undefined,
          until: byUpdate ? (pull) => pull.updated_at <= after! : undefined
        }
      )
    },

    getFile,

    downloadFile: (ref, path, gitRef) =>
      Effect.map(
        client.download(
          {
            method: "GET",
            url: githubApiUrl + contentsPath(ref, path),
            query: { ref: gitRef },
            headers: rawHeaders
          },
          { name: path.split("/").at(-1) }
        ),
        ({ file }) => file
      ),

    putFile: (write) =>
      Effect.gen(function* () {
        const url = githubApiUrl + contentsPath(write, write.path)
        const sha = write.sha ?? (yield* currentSha(client, url, write.branch))
        const put = call(
          {
            method: "PUT",
            url,
            body: {
              _tag: "Json",
              value: {
                message: write.message,
                content: write.contentBase64,
                sha,
                branch: write.branch,
                committer: write.committer
              }
            }
          },
          GitHubFileCommit
        )
        return yield* put.pipe(
          Effect.map(
            (written): WrittenFile => ({
              created: sha === undefined,
              path: written.content?.path ?? write.path,
              sha: written.content?.sha ?? "",
              commitSha: written.commit.sha ?? "",
              commitUrl: written.commit.html_url
            })
          ),
          Effect.catchIf(mayHaveWritten, (error) => confirmWrite(client, write, url, sha, error))
        )
      }),

    getLatestRelease: (ref) =>
      call(
        { method: "GET", url: `${githubApiUrl}${repoPath(ref)}/releases/latest` },
        GitHubRelease
      ),

    createRelease: (ref, fields) =>
      call(
        {
          method: "POST",
          url: `${githubApiUrl}${repoPath(ref)}/releases`,
          body: {
            _tag: "Json",
            value: {
              tag_name: fields.tagName,
              target_commitish: fields.targetCommitish,
              name: fields.name,
              body: fields.body,
              draft: fields.draft,
              prerelease: fields.prerelease,
              generate_release_notes: fields.generateReleaseNotes,
              make_latest: fields.makeLatest
            }
          }
        },
        GitHubRelease
      ),

    searchIssues: (query) => {
      const request: HttpRequest = {
        method: "GET",
        url: `${githubApiUrl}/search/issues`,
        headers: jsonHeaders,
        query: {
          q: query.query,
          sort: query.sort,
          order: query.order,
          per_page: Math.min(maxPerPage, Math.max(1, query.limit))
        }
      }
      const decodeItem = Schema.decodeUnknown(GitHubIssue)
      const decodePage = Schema.decodeUnknown(GitHubSearchPage)
      return pages(client, request, linkPages, { itemsPath: "items", limit: query.limit }).pipe(
        Stream.mapEffect((page) =>
          Effect.all({
            summary: Effect.mapError(decodePage(page.body), decodeError("/search/issues")),
            items: Effect.forEach(page.items, (item) =>
              Effect.mapError(decodeItem(item), decodeError("/search/issues"))
            )
          })
        ),
        Stream.runFold(
          { totalCount: 0, incompleteResults: false as boolean, items: [] as Array<GitHubIssue> },
          (acc, page) => {
            acc.items.push(...page.items)
            return {
              totalCount: page.summary.total_count,
              incompleteResults: acc.incompleteResults || page.summary.incomplete_results,
              items: acc.items
            }
          }
        )
      )
    }
  }
}

type Query = Readonly<Record<string, QueryValue | undefined>>

/** The sha of the file at `url` on `branch`, or undefined when there is none yet. */
const currentSha = (client: HttpClient, url: string, branch: string | undefined) =>
  Effect.gen(function* () {
    const response = yield* client
      .request({ method: "GET", url, query: { ref: branch }, headers: jsonHeaders })
      .pipe(Effect.catchTag("NotFoundError", () => Effect.succeed(undefined)))
    if (response === undefined) return undefined
    const parsed = yield* Effect.try({
      try: () => JSON.parse(new TextDecoder().decode(response.body)) as unknown,
      catch: () =>
        new DecodeError({
          integration: "github",
          message: "GitHub answered the file lookup with something that is not JSON."
        })
    })
    return Option.getOrUndefined(Option.map(decodeSha(parsed), (file) => file.sha))
  })

const decodeSha = Schema.decodeUnknownOption(Schema.Struct({ sha: Schema.String }))

/**
 * Whether a failed contents PUT may have written the file after all.
 *
 * The kernel resends a PUT after a lost answer, a timeout or a 5xx, as PUT is idempotent
 * by HTTP's rules. GitHub's contents PUT is a conditional write: it carries the blob sha
 * it replaces (none for a new file), so a resend can never write twice, but when the
 * first attempt did write, the resend is refused: 422 ("sha wasn't supplied") for a new
 * file, 409 for a replaced one. So a 409 or 422, and a failure whose outcome is unknown
 * (the answer never arrived, or GitHub failed with a 5xx), are checked against the file.
 */
const mayHaveWritten = (error: KernelError): boolean => {
  switch (error._tag) {
    case "ConflictError":
      return error.status === 409
    case "ValidationError":
      return error.status === 422
    case "TransportError":
    case "TimeoutError":
      return error.requestSent
    case "ServerError":
      return true
    default:
      return false
  }
}

/**
 * Settles a contents PUT that failed with `error` by reading the file back. When the file
 * now holds exactly the content written (its blob sha is the sha of the new content), the
 * write took effect and the result names the commit that last changed the file on the
 * branch. Otherwise the step fails: with `error` when that is what happened, or with a
 * `ConflictError` when the file changed in another way meanwhile. When the file cannot be
 * read back, the step fails with `error`.
 */
const confirmWrite = (
  client: HttpClient,
  write: FileWrite,
  url: string,
  replaced: string | undefined,
  error: KernelError
): Effect.Effect<WrittenFile, KernelError> =>
  Effect.gen(function* () {
    const current = yield* Effect.orElseFail(currentSha(client, url, write.branch), () => error)
    const wanted = blobSha(Buffer.from(write.contentBase64, "base64"))
    if (current === wanted) {
      const commit = yield* lastCommit(client, write, write.path, write.branch)
      return {
        created: replaced === undefined,
        path: write.path,
        sha: wanted,
        commitSha: commit.sha,
        commitUrl: commit.html_url
      }
    }
    return yield* Effect.fail(notWritten(write, replaced, current, error))
  })

/** The latest commit that changed `path` on `branch` (the default branch when undefined). */
const lastCommit = (client: HttpClient, ref: RepoRef, path: string, branch: string | undefined) =>
  Effect.flatMap(
    client.json(
      {
        method: "GET",
        url: `${githubApiUrl}/repos/${encodeURIComponent(ref.owner)}/${encodeURIComponent(ref.repo)}/commits`,
        query: { path, sha: branch, per_page: 1 },
        headers: jsonHeaders
      },
      Schema.Array(GitHubCommitRef)
    ),
    (commits) =>
      commits[0] === undefined
        ? Effect.fail(
            new DecodeError({
              integration: "github",
              message: `GitHub lists no commit for ${path} in ${ref.owner}/${ref.repo} though the file holds the content written; report it with the step's log.`
            })
          )
        : Effect.succeed(commits[0])
  )

/**
 * The error of a PUT that may have written the file but did not. GitHub's 409 or 422
 * stands, except a 422 for a file this step found missing and that now exists with other
 * content: someone else created it. After an unknown outcome, a file still as it was
 * means nothing was written (the error says so; running the step again is safe), and a
 * file in a third state is a `ConflictError`.
 */
const notWritten = (
  write: FileWrite,
  replaced: string | undefined,
  current: string | undefined,
  error: KernelError
): KernelError => {
  const where = `${write.path} in ${write.owner}/${write.repo}`
  const changed = new ConflictError({
    integration: "github",
    method: error.method,
    url: error.url,
    status: error.status,
    requestId: error.requestId,
    message:
      current === undefined
        ? `${where} was deleted while this step wrote it, so it does not hold the new content. Check the file and run the step again.`
        : replaced === undefined
          ? `${where} was created by another change while this step wrote it: it holds blob ${current}, not the content this step wrote. Run the step again to replace it.`
          : `${where} changed while this step wrote it: it holds blob ${current}, neither the version this step replaced (blob ${replaced}) nor the content it wrote. Read it again (for its current sha) and retry.`
  })
  if (error._tag === "ConflictError") return error
  if (error._tag === "ValidationError") {
    return replaced === undefined && current !== undefined ? changed : error
  }
  if (current !== replaced) return changed
  const as = replaced === undefined ? "still does not exist" : "still holds the version it had"
  const message = `${error.message.replace(/\.?$/, ".")} Nothing was written: ${where} ${as}, so the step can be run again.`
  switch (error._tag) {
    case "TransportError":
      return new TransportError({ ...error, message })
    case "TimeoutError":
      return new TimeoutError({ ...error, message })
    case "ServerError":
      return new ServerError({ ...error, message })
    default:
      return error
  }
}

/** GitHub's names for the fields of an issue; unset fields are left out. */
const issueBody = (fields: IssueFields) => ({
  title: fields.title,
  body: fields.body,
  labels: fields.labels,
  assignees: fields.assignees,
  milestone: fields.milestone,
  state: fields.state,
  state_reason: fields.stateReason
})

const notAFile = (ref: RepoRef, path: string) =>
  new ValidationError({
    integration: "github",
    message: `${path} in ${ref.owner}/${ref.repo} is a directory or a link, not a file; give the path of a file.`,
    issues: [{ path: "path", message: "is not a file" }]
  })

const decodeError = (path: string) => (error: ParseResult.ParseError) =>
  new DecodeError({
    integration: "github",
    message: `GitHub answered ${path} with an object this node cannot read; report it with the step's log.`,
    issues: ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
      path: issue.path.join("."),
      message: issue.message
    }))
  })
