import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { Markdown } from './markdown';

const GUIDE = `# Connect GitHub

Loopmeter reads **pull requests** and \`push\` events; see [the Linear guide](linear.md) or [GitHub](https://docs.github.com).

## 1. Create the integration

\`\`\`sh
curl -X POST https://loopmeter.example.com/api/integrations
\`\`\`

| field | value |
|---|---|
| Payload URL | the \`webhookUrl\` |

- **401**: the webhook has no secret.
- a second item
  continued here.

<script>alert(1)</script>
`;

describe('Markdown: the set-up guides in the product', () => {
  it('renders headings, code, tables, lists and links; text stays text', () => {
    const { container } = render(<Markdown text={GUIDE} linkFor={(href) => (href === 'linear.md' ? '/settings/guides/linear' : undefined)} />);
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Connect GitHub');
    expect(screen.getByRole('heading', { level: 2 })).toHaveTextContent('1. Create the integration');
    expect(container.querySelector('pre code')).toHaveTextContent('curl -X POST https://loopmeter.example.com/api/integrations');
    expect(within(screen.getByRole('table')).getByRole('cell', { name: 'the webhookUrl' })).toBeInTheDocument();
    expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual(['401: the webhook has no secret.', 'a second item continued here.']);
    expect(screen.getByRole('link', { name: 'the Linear guide' })).toHaveAttribute('href', '/settings/guides/linear');
    expect(screen.getByRole('link', { name: 'GitHub' })).toHaveAttribute('href', 'https://docs.github.com');
    expect(container.querySelector('script')).toBeNull();
    expect(screen.getByText('<script>alert(1)</script>')).toBeInTheDocument();
  });
});
