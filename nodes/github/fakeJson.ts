/**
 * The GitHub fake's objects as GitHub sends them: every field GitHub's OpenAPI
 * description requires, with its URLs on `https://api.github.com` and `https://github.com`.
 *
 * @module
 */
import {
  accounts,
  type FakeAccount,
  type FakeComment,
  type FakeCommit,
  type FakeFile,
  type FakeIssue,
  type FakeRelease,
  type FakeRepo
} from "./fakeData.js"

/** The API origin the objects' URLs point at. */
export const apiOrigin = "https://api.github.com"

const web = "https://github.com"

type Json = Record<string, unknown>

const accountOf = (login: string): FakeAccount =>
  accounts.find((a) => a.login === login) ?? { id: 0, login, type: "User" }

const nodeId = (kind: string, id: number) =>
  Buffer.from(`${kind}:${id}`).toString("base64").replace(/=+$/, "")

/** A user or organisation, as `simple-user`. */
export const userJson = (login: string): Json => {
  const account = accountOf(login)
  const url = `${apiOrigin}/users/${encodeURIComponent(login)}`
  return {
    login,
    id: account.id,
    node_id: nodeId("U", account.id),
    avatar_url: `https://avatars.githubusercontent.com/u/${account.id}?v=4`,
    gravatar_id: "",
    url,
    html_url: `${web}/${login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: account.type,
    site_admin: false,
    user_view_type: "public"
  }
}

/** The authenticated user, as `private-user`. */
export const privateUserJson = (login: string): Json => ({
  ...userJson(login),
  user_view_type: "private",
  name: login,
  company: null,
  blog: "",
  location: null,
  email: null,
  hireable: null,
  bio: null,
  public_repos: 0,
  public_gists: 0,
  followers: 0,
  following: 0,
  created_at: "2020-01-01T00:00:00Z",
  updated_at: "2024-01-01T00:00:00Z",
  private_gists: 0,
  total_private_repos: 1,
  owned_private_repos: 1,
  disk_usage: 0,
  collaborators: 0,
  two_factor_authentication: true
})

const repoUrl = (repo: FakeRepo) => `${apiOrigin}/repos/${repo.owner}/${repo.name}`

const openIssueCount = (repo: FakeRepo) => repo.issues.filter((i) => i.state === "open").length

/** A repository, as `minimal-repository`, `repository` or `full-repository`. */
export const repoJson = (repo: FakeRepo, detail: "minimal" | "repository" | "full"): Json => {
  const url = repoUrl(repo)
  const fullName = `${repo.owner}/${repo.name}`
  const minimal: Json = {
    id: repo.id,
    node_id: nodeId("R", repo.id),
    name: repo.name,
    full_name: fullName,
    private: repo.private,
    owner: userJson(repo.owner),
    html_url: `${web}/${fullName}`,
    description: repo.description,
    fork: false,
    url,
    archive_url: `${url}/{archive_format}{/ref}`,
    assignees_url: `${url}/assignees{/user}`,
    blobs_url: `${url}/git/blobs{/sha}`,
    branches_url: `${url}/branches{/branch}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    comments_url: `${url}/comments{/number}`,
    commits_url: `${url}/commits{/sha}`,
    compare_url: `${url}/compare/{base}...{head}`,
    contents_url: `${url}/contents/{+path}`,
    contributors_url: `${url}/contributors`,
    deployments_url: `${url}/deployments`,
    downloads_url: `${url}/downloads`,
    events_url: `${url}/events`,
    forks_url: `${url}/forks`,
    git_commits_url: `${url}/git/commits{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    hooks_url: `${url}/hooks`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    issue_events_url: `${url}/issues/events{/number}`,
    issues_url: `${url}/issues{/number}`,
    keys_url: `${url}/keys{/key_id}`,
    labels_url: `${url}/labels{/name}`,
    languages_url: `${url}/languages`,
    merges_url: `${url}/merges`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    pulls_url: `${url}/pulls{/number}`,
    releases_url: `${url}/releases{/id}`,
    stargazers_url: `${url}/stargazers`,
    statuses_url: `${url}/statuses/{sha}`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    tags_url: `${url}/tags`,
    teams_url: `${url}/teams`,
    trees_url: `${url}/git/trees{/sha}`,
    clone_url: `${web}/${fullName}.git`,
    git_url: `git://github.com/${fullName}.git`,
    ssh_url: `git@github.com:${fullName}.git`,
    svn_url: `${web}/${fullName}`,
    homepage: null,
    language: repo.language,
    default_branch: repo.defaultBranch,
    visibility: repo.private ? "private" : "public",
    created_at: repo.createdAt,
    updated_at: repo.createdAt,
    pushed_at: repo.createdAt,
    archived: false,
    disabled: false,
    open_issues_count: openIssueCount(repo),
    forks_count: 0,
    stargazers_count: 3,
    watchers_count: 3,
    size: 120,
    topics: []
  }
  if (detail === "minimal") return minimal
  const repository: Json = {
    ...minimal,
    forks: 0,
    open_issues: openIssueCount(repo),
    watchers: 3,
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    mirror_url: null,
    license: null,
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true }
  }
  if (detail === "repository") return repository
  return { ...repository, network_count: 0, subscribers_count: 2 }
}

const issueUrl = (repo: FakeRepo, issue: FakeIssue) => `${repoUrl(repo)}/issues/${issue.number}`

/** An issue's labels. */
const labelsJson = (repo: FakeRepo, names: ReadonlyArray<string>) =>
  names.map((name) => {
    const label = repo.labels.get(name) ?? { id: 0, name, color: "ededed", description: null }
    return {
      id: label.id,
      node_id: nodeId("L", label.id),
      url: `${repoUrl(repo)}/labels/${encodeURIComponent(name)}`,
      name,
      description: label.description,
      color: label.color,
      default: false
    }
  })

const milestoneJson = (repo: FakeRepo, number: number | null): Json | null => {
  const milestone = repo.milestones.find((m) => m.number === number)
  if (milestone === undefined) return null
  const url = `${repoUrl(repo)}/milestones/${milestone.number}`
  return {
    url,
    html_url: `${web}/${repo.owner}/${repo.name}/milestone/${milestone.number}`,
    labels_url: `${url}/labels`,
    id: 3_000 + milestone.number,
    node_id: nodeId("M", milestone.number),
    number: milestone.number,
    state: "open",
    title: milestone.title,
    description: null,
    creator: userJson("alice"),
    open_issues: 1,
    closed_issues: 0,
    created_at: repo.createdAt,
    updated_at: repo.createdAt,
    closed_at: null,
    due_on: null
  }
}

const association = (repo: FakeRepo, login: string) => (login === repo.owner ? "OWNER" : "MEMBER")

/** An issue (or the issue side of a pull request), as `issue`. */
export const issueJson = (repo: FakeRepo, issue: FakeIssue): Json => {
  const url = issueUrl(repo, issue)
  const html = `${web}/${repo.owner}/${repo.name}/${issue.pull === undefined ? "issues" : "pull"}/${issue.number}`
  return {
    id: issue.id,
    node_id: nodeId("I", issue.id),
    url,
    repository_url: repoUrl(repo),
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: html,
    number: issue.number,
    state: issue.state,
    state_reason: issue.stateReason,
    title: issue.title,
    body: issue.body,
    user: userJson(issue.user),
    labels: labelsJson(repo, issue.labels),
    assignee: issue.assignees[0] === undefined ? null : userJson(issue.assignees[0]),
    assignees: issue.assignees.map(userJson),
    milestone: milestoneJson(repo, issue.milestone),
    locked: issue.locked,
    active_lock_reason: null,
    comments: issue.comments.length,
    closed_at: issue.closedAt,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    author_association: association(repo, issue.user),
    ...(issue.pull === undefined
      ? {}
      : {
          pull_request: {
            url: `${repoUrl(repo)}/pulls/${issue.number}`,
            html_url: html,
            diff_url: `${html}.diff`,
            patch_url: `${html}.patch`,
            merged_at: issue.pull.mergedAt
          }
        })
  }
}

/** An issue as a search result: `issue-search-result-item`. */
export const searchItemJson = (repo: FakeRepo, issue: FakeIssue): Json => ({
  ...issueJson(repo, issue),
  score: 1
})

/** A pull request, as `pull-request-simple`. */
export const pullJson = (repo: FakeRepo, issue: FakeIssue): Json => {
  const pull = issue.pull!
  const url = `${repoUrl(repo)}/pulls/${issue.number}`
  const html = `${web}/${repo.owner}/${repo.name}/pull/${issue.number}`
  const link = (href: string) => ({ href })
  const branch = (ref: string) => ({
    label: `${repo.owner}:${ref}`,
    ref,
    sha: `${issue.number.toString(16).padStart(8, "0")}${"0".repeat(32)}`,
    user: userJson(repo.owner),
    repo: repoJson(repo, "repository")
  })
  return {
    url,
    id: issue.id,
    node_id: nodeId("PR", issue.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issueUrl(repo, issue),
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${repoUrl(repo)}/pulls/comments{/number}`,
    comments_url: `${issueUrl(repo, issue)}/comments`,
    statuses_url: `${repoUrl(repo)}/statuses/${branch(pull.head).sha}`,
    number: issue.number,
    state: issue.state,
    locked: issue.locked,
    title: issue.title,
    user: userJson(issue.user),
    body: issue.body,
    labels: labelsJson(repo, issue.labels),
    milestone: milestoneJson(repo, issue.milestone),
    active_lock_reason: null,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    merged_at: pull.mergedAt,
    merge_commit_sha: pull.mergeCommitSha,
    assignee: issue.assignees[0] === undefined ? null : userJson(issue.assignees[0]),
    assignees: issue.assignees.map(userJson),
    requested_reviewers: [],
    requested_teams: [],
    head: branch(pull.head),
    base: branch(pull.base),
    _links: {
      self: link(url),
      html: link(html),
      issue: link(issueUrl(repo, issue)),
      comments: link(`${issueUrl(repo, issue)}/comments`),
      review_comments: link(`${url}/comments`),
      review_comment: link(`${repoUrl(repo)}/pulls/comments{/number}`),
      commits: link(`${url}/commits`),
      statuses: link(`${repoUrl(repo)}/statuses/${branch(pull.head).sha}`)
    },
    author_association: association(repo, issue.user),
    auto_merge: null,
    draft: false
  }
}

/** A comment, as `issue-comment`. */
export const commentJson = (repo: FakeRepo, issue: FakeIssue, comment: FakeComment): Json => ({
  id: comment.id,
  node_id: nodeId("IC", comment.id),
  url: `${repoUrl(repo)}/issues/comments/${comment.id}`,
  html_url: `${web}/${repo.owner}/${repo.name}/issues/${issue.number}#issuecomment-${comment.id}`,
  issue_url: issueUrl(repo, issue),
  body: comment.body,
  user: userJson(comment.user),
  created_at: comment.createdAt,
  updated_at: comment.createdAt,
  author_association: association(repo, comment.user)
})

/** A release, as `release`. */
export const releaseJson = (repo: FakeRepo, release: FakeRelease): Json => {
  const url = `${repoUrl(repo)}/releases/${release.id}`
  const html = `${web}/${repo.owner}/${repo.name}/releases/tag/${encodeURIComponent(release.tagName)}`
  return {
    url,
    html_url: html,
    assets_url: `${url}/assets`,
    upload_url: `https://uploads.github.com/repos/${repo.owner}/${repo.name}/releases/${release.id}/assets{?name,label}`,
    tarball_url: `${repoUrl(repo)}/tarball/${release.tagName}`,
    zipball_url: `${repoUrl(repo)}/zipball/${release.tagName}`,
    id: release.id,
    node_id: nodeId("RE", release.id),
    tag_name: release.tagName,
    target_commitish: release.targetCommitish,
    name: release.name,
    body: release.body,
    draft: release.draft,
    prerelease: release.prerelease,
    immutable: false,
    created_at: release.createdAt,
    published_at: release.publishedAt,
    updated_at: release.createdAt,
    author: userJson(release.author),
    assets: []
  }
}

/** Where a file's content lives in the API and on the web. */
const fileLinks = (repo: FakeRepo, path: string, sha: string, ref: string) => {
  const encoded = path.split("/").map(encodeURIComponent).join("/")
  const url = `${repoUrl(repo)}/contents/${encoded}?ref=${encodeURIComponent(ref)}`
  const html = `${web}/${repo.owner}/${repo.name}/blob/${ref}/${encoded}`
  const git = `${repoUrl(repo)}/git/blobs/${sha}`
  return {
    url,
    html,
    git,
    download: `https://raw.githubusercontent.com/${repo.owner}/${repo.name}/${ref}/${encoded}`
  }
}

/** A file's metadata, as in `content-file` without the content. */
const fileMeta = (repo: FakeRepo, path: string, file: FakeFile, ref: string): Json => {
  const links = fileLinks(repo, path, file.sha, ref)
  return {
    type: "file",
    name: path.split("/").at(-1),
    path,
    sha: file.sha,
    size: file.content.length,
    url: links.url,
    html_url: links.html,
    git_url: links.git,
    download_url: links.download,
    _links: { self: links.url, git: links.git, html: links.html }
  }
}

/** A file with its content in base64 (GitHub wraps it at 60 characters), as `content-file`. */
export const contentFileJson = (
  repo: FakeRepo,
  path: string,
  file: FakeFile,
  ref: string
): Json => ({
  ...fileMeta(repo, path, file, ref),
  encoding: "base64",
  content: `${(file.content.toString("base64").match(/.{1,60}/g) ?? []).join("\n")}\n`
})

/** A directory listing entry, as in `content-directory`. */
export const directoryEntryJson = (repo: FakeRepo, path: string, ref: string): Json => {
  const links = fileLinks(repo, path, "0".repeat(40), ref)
  return {
    type: "dir",
    name: path.split("/").at(-1),
    path,
    sha: "0".repeat(40),
    size: 0,
    url: links.url,
    html_url: links.html,
    git_url: links.git,
    download_url: null,
    _links: { self: links.url, git: links.git, html: links.html }
  }
}

/** The answer to creating or updating a file: `file-commit`. */
export const fileCommitJson = (
  repo: FakeRepo,
  path: string,
  file: FakeFile,
  ref: string,
  commit: {
    readonly sha: string
    readonly message: string
    readonly date: string
    readonly author: string
  }
): Json => ({
  content: fileMeta(repo, path, file, ref),
  commit: {
    sha: commit.sha,
    node_id: nodeId("C", Number.parseInt(commit.sha.slice(0, 8), 16)),
    url: `${repoUrl(repo)}/git/commits/${commit.sha}`,
    html_url: `${web}/${repo.owner}/${repo.name}/commit/${commit.sha}`,
    author: {
      name: commit.author,
      email: `${commit.author}@users.noreply.github.com`,
      date: commit.date
    },
    committer: {
      name: commit.author,
      email: `${commit.author}@users.noreply.github.com`,
      date: commit.date
    },
    message: commit.message,
    tree: { url: `${repoUrl(repo)}/git/trees/${"0".repeat(40)}`, sha: "0".repeat(40) },
    parents: [],
    verification: {
      verified: false,
      reason: "unsigned",
      signature: null,
      payload: null,
      verified_at: null
    }
  }
})

/** A commit, as `commit` (a listing item): who wrote it and when; no account is linked. */
export const commitJson = (repo: FakeRepo, commit: FakeCommit): Json => {
  const url = `${repoUrl(repo)}/commits/${commit.sha}`
  const person = {
    name: commit.author,
    email: `${commit.author}@users.noreply.github.com`,
    date: commit.date
  }
  return {
    url,
    sha: commit.sha,
    node_id: nodeId("C", Number.parseInt(commit.sha.slice(0, 8), 16)),
    html_url: `${web}/${repo.owner}/${repo.name}/commit/${commit.sha}`,
    comments_url: `${url}/comments`,
    commit: {
      url: `${repoUrl(repo)}/git/commits/${commit.sha}`,
      author: person,
      committer: person,
      message: commit.message,
      comment_count: 0,
      tree: { url: `${repoUrl(repo)}/git/trees/${"0".repeat(40)}`, sha: "0".repeat(40) },
      verification: {
        verified: false,
        reason: "unsigned",
        signature: null,
        payload: null,
        verified_at: null
      }
    },
    author: null,
    committer: null,
    parents: []
  }
}

/** GitHub's error body: a message, a link to the docs, the status as text. */
export const errorJson = (status: number, message: string, extra: Json = {}): Json => ({
  message,
  documentation_url: "https://docs.github.com/rest",
  status: String(status),
  ...extra
})
