import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The README is a map and docs/ the reference: a map whose links lead nowhere, or a page whose
 * sections its table of contents does not list, is how a newcomer gets lost.
 */
const ROOT = resolve(__dirname, '..');
const PAGES = [
  join(ROOT, 'README.md'),
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(ROOT, 'docs', name)),
];
const README_MAX_LINES = 300;
const MAX_LINE_CHARS = 200;

interface Link {
  page: string;
  target: string;
}

describe('the README and docs/', () => {
  it.each(PAGES.map((page) => [relative(ROOT, page)]))(
    '%s: every relative link points to a file, and every #anchor to a heading of it',
    (page) => {
      const broken = linksOf(join(ROOT, page)).filter((link) => !resolves(link));
      expect(broken.map((link) => link.target)).toEqual([]);
    },
  );

  it.each(PAGES.filter((page) => dirname(page) !== ROOT).map((page) => [relative(ROOT, page)]))(
    '%s: its table of contents links every ## section',
    (page) => {
      const text = readFileSync(join(ROOT, page), 'utf8');
      const contents = new Set(linksOf(join(ROOT, page)).map((link) => link.target));
      const sections = headings(text)
        .filter((heading) => heading.level === 2)
        .map((heading) => `#${heading.slug}`);
      expect(sections.filter((anchor) => !contents.has(anchor))).toEqual([]);
    },
  );

  it.each(PAGES.map((page) => [relative(ROOT, page)]))(
    `%s: no line outside code blocks is longer than ${MAX_LINE_CHARS} characters`,
    (page) => {
      const long = proseOf(readFileSync(join(ROOT, page), 'utf8'))
        .split('\n')
        .filter((line) => line.length > MAX_LINE_CHARS);
      expect(long).toEqual([]);
    },
  );

  it(`keeps the README a map: at most ${README_MAX_LINES} lines`, () => {
    const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(README_MAX_LINES);
  });
});

function linksOf(page: string): Link[] {
  const text = proseOf(readFileSync(page, 'utf8')).replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => ({ page, target: match[1] }))
    .filter((link) => !/^[a-z][a-z0-9+.-]*:/i.test(link.target));
}

function resolves({ page, target }: Link): boolean {
  const [path, anchor] = target.split('#');
  const file = path === '' ? page : resolve(dirname(page), path);
  if (!existsSync(file)) return false;
  if (anchor === undefined) return true;
  return headings(readFileSync(file, 'utf8')).some((heading) => heading.slug === anchor);
}

/** The text without fenced code blocks, whose lines are neither prose nor links. */
function proseOf(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '');
}

/** Headings with the anchors GitHub gives them (a repeated one gets `-1`, `-2`, …). */
function headings(text: string): { level: number; slug: string }[] {
  const seen = new Map<string, number>();
  return [...proseOf(text).matchAll(/^(#{1,6}) (.+)$/gm)].map(([, hashes, title]) => {
    const base = title
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return { level: hashes.length, slug: count === 0 ? base : `${base}-${count}` };
  });
}
