// Checks the links of a README as npm shows it. npm renders a package's README on its own page, where a relative link
// (`../../docs/x.md`, `./src`) resolves against npmjs.com and breaks. So every link must be absolute (https:, http:,
// mailto:) or an in-page anchor that one of the README's headings produces. Links into this repository
// (REPOSITORY/blob/main/<path>) must name a file that exists in the workspace, and their anchors a heading in it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository every package's `repository` field names. */
export const REPOSITORY = 'https://github.com/oauth-store/oauth-store';

/** Markdown without fenced code blocks and inline code spans (their brackets are not links). */
function withoutCode(markdown) {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** The anchors GitHub and npm give a document's headings: lower case, punctuation dropped, spaces to hyphens. */
export function headingAnchors(markdown) {
  const anchors = new Set();
  const seen = new Map();
  for (const line of markdown.replace(/^```[\s\S]*?^```/gm, '').split('\n')) {
    const match = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!match) continue;
    const base = match[1]
      .replace(/<[^>]+>/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Every link target of a README: inline `[text](target)`, images, reference definitions, and HTML href/src. */
export function linkTargets(markdown) {
  const text = withoutCode(markdown);
  const targets = [];
  for (const match of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(match[1]);
  for (const match of text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)) targets.push(match[1]);
  for (const match of text.matchAll(/\b(?:href|src)\s*=\s*["']([^"']+)["']/g)) targets.push(match[1]);
  return targets;
}

/**
 * Problems with the links of `markdown` (the README of the package named `name`), as sentences; empty when every
 * link resolves on the npm page. `workspace` is the repository checkout, to check links into the repository.
 */
export function readmeLinkProblems(name, markdown, workspace) {
  const problems = [];
  const ownAnchors = headingAnchors(markdown);
  for (const target of linkTargets(markdown)) {
    if (target.startsWith('#')) {
      if (!ownAnchors.has(decodeURIComponent(target.slice(1))))
        problems.push(`${name}: README link "${target}" names no heading of the README`);
      continue;
    }
    if (/^mailto:/i.test(target)) continue;
    if (!/^https?:\/\//i.test(target)) {
      problems.push(
        `${name}: README link "${target}" is relative, which breaks on the npm page; use ${REPOSITORY}/blob/main/...`,
      );
      continue;
    }
    const rest = target.startsWith(REPOSITORY) ? target.slice(REPOSITORY.length) : undefined;
    if (rest === undefined || !/^(?:$|[/#])/.test(rest)) continue;
    if (rest === '' || rest.startsWith('#')) {
      // The repository's front page: its README, whose headings are the anchors (#readme is GitHub's own).
      const anchor = decodeURIComponent(rest.slice(1));
      if (
        anchor &&
        anchor !== 'readme' &&
        !headingAnchors(readFileSync(join(workspace, 'README.md'), 'utf8')).has(anchor)
      )
        problems.push(`${name}: README link "${target}" names no heading of the repository README`);
      continue;
    }
    const inRepo = /^\/(?:blob|tree)\/main\/([^#?]*)(?:#(.*))?$/.exec(target.slice(REPOSITORY.length));
    if (!inRepo) {
      if (!/^\/issues/.test(rest))
        problems.push(`${name}: README link "${target}" does not point at a file on the main branch`);
      continue;
    }
    const [, path, anchor] = inRepo;
    const file = join(workspace, decodeURIComponent(path));
    if (!existsSync(file)) {
      problems.push(`${name}: README link "${target}" names ${path}, which is not in the repository`);
      continue;
    }
    if (anchor && file.endsWith('.md') && !headingAnchors(readFileSync(file, 'utf8')).has(decodeURIComponent(anchor)))
      problems.push(`${name}: README link "${target}" names no heading of ${path}`);
  }
  return problems;
}
