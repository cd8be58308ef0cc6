import type { ReactNode } from 'react';
import { Link } from '../../router/router';

/**
 * Just enough Markdown for our set-up guides (headings, paragraphs, lists, tables, fenced code, inline code,
 * bold, emphasis, links), rendered as React elements: no HTML from the text reaches the page.
 */
export function Markdown({ text, linkFor }: { text: string; linkFor: (href: string) => string | undefined }) {
  return <>{blocks(text.replace(/\r\n/g, '\n').split('\n'), linkFor)}</>;
}

function blocks(lines: string[], linkFor: (href: string) => string | undefined): ReactNode[] {
  const out: ReactNode[] = [];
  let i = 0;
  const key = () => `b${out.length}`;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') {
      i++;
      continue;
    }
    if (line.startsWith('```')) {
      const code: string[] = [];
      i++;
      while (i < lines.length && !lines[i].startsWith('```')) code.push(lines[i++]);
      i++;
      out.push(
        <pre key={key()}>
          <code>{code.join('\n')}</code>
        </pre>,
      );
      continue;
    }
    const heading = /^(#{1,4})\s+(.*)$/.exec(line);
    if (heading) {
      const level = heading[1].length;
      const content = inline(heading[2], linkFor);
      out.push(level === 1 ? <h1 key={key()}>{content}</h1> : level === 2 ? <h2 key={key()}>{content}</h2> : <h3 key={key()}>{content}</h3>);
      i++;
      continue;
    }
    if (line.startsWith('|')) {
      const rows: string[][] = [];
      while (i < lines.length && lines[i].startsWith('|')) {
        const cells = lines[i].replace(/^\||\|$/g, '').split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
        if (!cells.every((c) => /^:?-+:?$/.test(c))) rows.push(cells);
        i++;
      }
      const [head, ...body] = rows;
      out.push(
        <div className="table-wrap" key={key()}>
          <table>
            <thead>
              <tr>
                {head.map((c, n) => (
                  <th scope="col" key={n}>
                    {inline(c, linkFor)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {body.map((row, r) => (
                <tr key={r}>
                  {row.map((c, n) => (
                    <td key={n}>{inline(c, linkFor)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>,
      );
      continue;
    }
    const item = /^(\s*)([-*]|\d+\.)\s+/;
    if (item.test(line)) {
      const ordered = /^\s*\d+\./.test(line);
      const items: string[] = [];
      while (i < lines.length && lines[i].trim() !== '' && !lines[i].startsWith('```')) {
        if (item.test(lines[i])) items.push(lines[i].replace(item, ''));
        else items[items.length - 1] += ` ${lines[i].trim()}`;
        i++;
      }
      const children = items.map((t, n) => <li key={n}>{inline(t, linkFor)}</li>);
      out.push(ordered ? <ol key={key()}>{children}</ol> : <ul key={key()}>{children}</ul>);
      continue;
    }
    const paragraph: string[] = [];
    while (i < lines.length && lines[i].trim() !== '' && !/^(#|```|\||\s*([-*]|\d+\.)\s)/.test(lines[i])) paragraph.push(lines[i++].trim());
    out.push(<p key={key()}>{inline(paragraph.join(' '), linkFor)}</p>);
  }
  return out;
}

const INLINE = /(`[^`]+`|\*\*[^*]+\*\*|\[[^\]]+\]\([^)]+\)|\*[^*\s][^*]*\*)/g;

function inline(text: string, linkFor: (href: string) => string | undefined): ReactNode[] {
  return text.split(INLINE).map((part, n) => {
    if (part.startsWith('`') && part.endsWith('`') && part.length > 1) return <code key={n}>{part.slice(1, -1)}</code>;
    if (part.startsWith('**') && part.endsWith('**') && part.length > 4) return <strong key={n}>{inline(part.slice(2, -2), linkFor)}</strong>;
    const link = /^\[([^\]]+)\]\(([^)]+)\)$/.exec(part);
    if (link) {
      const [, label, href] = link;
      if (/^https?:\/\//.test(href)) {
        return (
          <a key={n} href={href} target="_blank" rel="noreferrer">
            {label}
          </a>
        );
      }
      const internal = linkFor(href);
      return internal ? (
        <Link key={n} to={internal}>
          {label}
        </Link>
      ) : (
        <span key={n}>{label}</span>
      );
    }
    if (part.startsWith('*') && part.endsWith('*') && part.length > 2) return <em key={n}>{part.slice(1, -1)}</em>;
    return part;
  });
}
