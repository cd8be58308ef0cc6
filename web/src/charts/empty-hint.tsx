import type { ReactNode } from 'react';
import { Link } from '../router/router';

/** The empty state of a chart: no data yet, and how to get some. */
export function EmptyHint({ children }: { children?: ReactNode }) {
  return (
    <div className="empty-hint">
      <p>
        <strong>No data for this period yet.</strong> {children}
      </p>
      <p>
        Connect a source in <Link to="/settings#integrations">Settings → Integrations</Link>: GitHub or GitLab for pull requests, CI and
        deployments, Jira or Linear for insights (see the <Link to="/settings/guides/github">set-up guides</Link>), or send events through the
        events API. Or try a longer period.
      </p>
    </div>
  );
}
