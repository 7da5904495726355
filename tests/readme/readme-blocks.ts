/**
 * The README's code blocks, section by section, as a reader meets them. A section is a heading and
 * everything under it up to the next heading of the same or a higher level, so a `##` section includes its
 * `###` subsections.
 */
export interface CodeBlock {
  /** The heading of the section the block was taken from, and the block's first line in the file (1-based). */
  section: string;
  line: number;
  lang: string;
  code: string;
  /**
   * For a JavaScript block: the file name the text before it tells the reader to save it as
   * ("Save this as `hello.mjs`").
   */
  saveAs?: string;
}

interface Heading {
  level: number;
  title: string;
  line: number;
}

export function headingsOf(markdown: string): Heading[] {
  const headings: Heading[] = [];
  let fenced = false;
  markdown.split('\n').forEach((text, i) => {
    if (text.startsWith('```')) fenced = !fenced;
    const m = !fenced && /^(#{1,6})\s+(.+?)\s*$/.exec(text);
    if (m) headings.push({ level: m[1]!.length, title: m[2]!, line: i + 1 });
  });
  return headings;
}

/** The blocks of the named sections, in the order the sections are named. Every name must exist once. */
export function blocksOf(markdown: string, sections: readonly string[]): CodeBlock[] {
  const lines = markdown.split('\n');
  const headings = headingsOf(markdown);
  return sections.flatMap((title) => {
    const found = headings.filter((h) => h.title === title);
    if (found.length !== 1) throw new Error(`README: expected one section headed "${title}", found ${found.length}`);
    const start = found[0]!;
    const end = headings.find((h) => h.line > start.line && h.level <= start.level)?.line ?? lines.length + 1;
    return blocksIn(lines, start.line, end - 1, title);
  });
}

function blocksIn(lines: string[], from: number, to: number, section: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  let prose: string[] = [];
  for (let i = from; i < to; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) {
      prose.push(lines[i]!);
      continue;
    }
    const body: string[] = [];
    let j = i + 1;
    while (j < to && !lines[j]!.startsWith('```')) body.push(lines[j++]!);
    if (j >= to) throw new Error(`README line ${i + 1}: a code block in "${section}" is never closed`);
    const saveAs = /[Ss]ave (?:it|this)\s+as\s+`([\w.-]+)`/.exec(prose.join('\n'))?.[1];
    blocks.push({ section, line: i + 1, lang: open[1]!, code: body.join('\n'), saveAs });
    prose = [];
    i = j;
  }
  return blocks;
}
