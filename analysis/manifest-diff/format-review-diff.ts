/** A review diff as Markdown (a PR comment) or plain text (a terminal). */
import { objectLabel } from '../../policy/format-policy-report.js';
import type { ObjectRef } from './manifest-diff.js';
import { isEmptyReview, type ReviewDiff } from './review-diff.js';

export type DiffFormat = 'text' | 'markdown';
export const DIFF_FORMATS: readonly DiffFormat[] = ['text', 'markdown'];

const label = (o: Pick<ObjectRef, 'kind' | 'namespace' | 'name'>) => objectLabel(o);

function code(text: string, markdown: boolean): string {
  return markdown ? `\`${text.replaceAll('`', "'")}\`` : text;
}

export function formatReviewDiff(r: ReviewDiff, format: DiffFormat): string {
  const md = format === 'markdown';
  const lines: string[] = [];
  const heading = (text: string) => lines.push(md ? `#### ${text}` : `${text}:`);
  const item = (text: string) => lines.push(md ? `- ${text}` : `  ${text}`);
  lines.push(
    md
      ? `### Stack \`${r.stack}\` against \`${r.baseRef}\``
      : `meshrag diff: stack ${r.stack} against ${r.baseRef}`,
  );
  if (r.newStack)
    lines.push(
      md
        ? '_New stack: it does not exist at the base._'
        : '(new stack: it does not exist at the base)',
    );
  if (isEmptyReview(r)) {
    lines.push(md ? '_No changes._' : 'no changes');
    return `${lines.join('\n')}\n`;
  }
  const d = r.objects;
  lines.push(
    md
      ? `**${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed** · reachability: +${r.edgesAdded.length} / -${r.edgesRemoved.length} edges · new violations: ${r.newViolations.length}`
      : `${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed; reachability +${r.edgesAdded.length} -${r.edgesRemoved.length} edges; new violations: ${r.newViolations.length}`,
  );
  if (r.newViolations.length > 0) {
    heading('New policy violations');
    for (const v of r.newViolations) {
      const severity = md ? `**${v.severity}**` : v.severity.toUpperCase();
      item(`${severity} ${code(v.rule, md)}: ${label(v)}: ${v.message}`);
    }
  }
  if (r.fixedViolations.length > 0) {
    heading('Violations fixed');
    for (const v of r.fixedViolations) item(`${code(v.rule, md)}: ${label(v)}`);
  }
  if (r.edgesAdded.length + r.edgesRemoved.length > 0) {
    heading('Who can reach whom');
    for (const e of r.edgesAdded) item(`${md ? '➕' : '+'} ${code(e, md)}`);
    for (const e of r.edgesRemoved) item(`${md ? '➖' : '-'} ${code(e, md)}`);
  }
  if (d.added.length > 0) {
    heading('Added');
    for (const o of d.added) item(label(o));
  }
  if (d.removed.length > 0) {
    heading('Removed');
    for (const o of d.removed) item(label(o));
  }
  if (d.changed.length > 0) {
    heading('Changed');
    for (const c of d.changed) {
      item(md ? `**${label(c.object)}**` : label(c.object));
      for (const f of c.changes) {
        const value =
          f.type === 'added'
            ? `added ${code(f.new ?? '', md)}`
            : f.type === 'removed'
              ? `removed (was ${code(f.old ?? '', md)})`
              : `${code(f.old ?? '', md)} → ${code(f.new ?? '', md)}`;
        lines.push(
          `${md ? '  - ' : '    '}${code(f.path, md)}: ${value}${f.masked ? ' (secret, value hidden)' : ''}`,
        );
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
