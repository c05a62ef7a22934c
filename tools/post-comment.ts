// `npm run --silent post-comment -- --title <t> --file <f>`: posts a file (the `pulumi preview` output) as a
// comment on the pull request through the Gitea API, where reviewers see it. Reads GITHUB_SERVER_URL,
// GITHUB_REPOSITORY, PR_NUMBER and GITEA_TOKEN from the runner; the token never appears in output.
import * as fs from "fs";
import { parseArgs } from "util";
import { UsageError, withUsage } from "./cli";

export interface CommentTarget {
    serverUrl: string;
    repository: string;
    pr: string;
    token: string;
}

/** GitHub-flavoured markdown body; long output keeps its end (where the summary and policy results are). */
export function commentBody(title: string, text: string, max = 60000): string {
    // eslint-disable-next-line no-control-regex -- ANSI colour codes start with the ESC control character
    const clean = text.replace(/\u001b\[[0-9;]*m/g, "");
    const body = clean.length > max ? `... (${clean.length - max} characters cut, the full output is in the job log)\n${clean.slice(-max)}` : clean;
    return `### ${title}\n\n\`\`\`\n${body.replace(/```/g, "'''")}\n\`\`\`\n`;
}

export async function postComment(target: CommentTarget, body: string, timeoutMs = 30000): Promise<void> {
    const url = `${target.serverUrl.replace(/\/$/, "")}/api/v1/repos/${target.repository}/issues/${target.pr}/comments`;
    const res = await fetch(url, {
        method: "POST",
        headers: { Authorization: `token ${target.token}`, "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ body }),
        signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status !== 201 && res.status !== 200) throw new Error(`posting the comment to ${target.repository}#${target.pr} failed: HTTP ${res.status}`);
}

async function main(): Promise<void> {
    const usage = "npm run --silent post-comment -- --title <title> --file <file>";
    const { values } = withUsage(usage, () =>
        parseArgs({ args: process.argv.slice(2), options: { file: { type: "string" }, title: { type: "string", default: "pulumi preview" } }, strict: true, allowPositionals: false }),
    );
    const { file, title } = values;
    if (!file) throw new UsageError(`--file is required\nusage: ${usage}`);
    const env = process.env;
    const missing = ["GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "PR_NUMBER", "GITEA_TOKEN"].filter((k) => !env[k]);
    if (missing.length) throw new Error(`post-comment needs ${missing.join(", ")} from the runner`);
    const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : `(no ${file}: the preview did not run; see the job log)`;
    await postComment({ serverUrl: env.GITHUB_SERVER_URL!, repository: env.GITHUB_REPOSITORY!, pr: env.PR_NUMBER!, token: env.GITEA_TOKEN! }, commentBody(title, text));
    process.stdout.write(`posted ${file} on ${env.GITHUB_REPOSITORY}#${env.PR_NUMBER}\n`);
}

if (require.main === module) {
    main().catch((err) => {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(err instanceof UsageError ? 2 : 1);
    });
}
