import { useQuery } from '@tanstack/react-query';
import { PageHeader } from '../../components/page-header';
import type { PageProps } from '../../router/routes';
import { Link } from '../../router/router';
import { Markdown } from './markdown';

// The set-up guides of docs/sources, one chunk each, loaded when opened: the product and the repository
// show the same text.
const GUIDES = import.meta.glob<string>('../../../../docs/sources/*.md', { query: '?raw', import: 'default' });

function guideLoader(source: string): (() => Promise<string>) | undefined {
  return GUIDES[`../../../../docs/sources/${source}.md`];
}

function linkFor(href: string): string | undefined {
  const guide = /^(?:\.\/)?([a-z-]+)\.md(#.*)?$/.exec(href);
  return guide && guideLoader(guide[1]) ? `/settings/guides/${guide[1]}` : undefined;
}

/** A source's set-up guide, in the product. */
export function GuidePage({ params }: PageProps) {
  const load = guideLoader(params.source);
  const guide = useQuery({ queryKey: ['guide', params.source], queryFn: () => (load ? load() : Promise.resolve(undefined)), staleTime: Infinity });
  const sources = Object.keys(GUIDES).map((path) => path.replace(/^.*\/(.+)\.md$/, '$1'));
  return (
    <>
      <p className="breadcrumb">
        <Link to="/settings#integrations">Settings</Link> / Set-up guides
      </p>
      <nav className="settings-nav" aria-label="Set-up guides">
        {sources.map((s) => (
          <Link key={s} to={`/settings/guides/${s}`} aria-current={s === params.source ? 'page' : undefined}>
            {s}
          </Link>
        ))}
      </nav>
      <article className="panel guide">
        {!load ? (
          <PageHeader title="No such guide" lead="Pick a source above." />
        ) : guide.isPending ? (
          <p role="status">Loading the guide…</p>
        ) : guide.isError || guide.data === undefined ? (
          <p role="alert">The guide could not be loaded.</p>
        ) : (
          <>
            <PageHeader title={`Set-up guide: ${params.source}`} />
            <Markdown text={guide.data} linkFor={linkFor} />
          </>
        )}
      </article>
    </>
  );
}
