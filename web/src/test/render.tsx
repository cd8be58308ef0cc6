import type { ReactElement } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import { vi } from 'vitest';
import type { MetricResponse } from '@loopmeter/shared/metrics';

/** Renders with a fresh react-query client that does not retry (a test states each answer). */
export function renderWithQueries(ui: ReactElement) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return { client, ...render(<QueryClientProvider client={client}>{ui}</QueryClientProvider>) };
}

export interface FakeAnswer {
  status: number;
  body?: unknown;
}

/**
 * Replaces fetch: each request is answered by `answer(url)`; `pending` keeps it waiting forever (the
 * loading state). Returns the mock to check what was asked.
 */
export function stubFetch(answer: (url: string, init?: RequestInit) => FakeAnswer | 'pending') {
  const fetchMock = vi.fn((input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const reply = answer(url, init);
    if (reply === 'pending') return new Promise<Response>(() => undefined);
    const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
    return Promise.resolve(new Response(text, { status: reply.status, headers: { 'content-type': 'application/json' } }));
  });
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

export function errorBody(code: string, message: string) {
  return { code, message, requestId: 'req-test' };
}

const WEEK1 = '2026-03-02T00:00:00.000Z';
const WEEK2 = '2026-03-09T00:00:00.000Z';

/**
 * The insight-to-evidence answer of docs/metrics.md's worked example: week 1 with cycles 5, 10, 24 and 48 h
 * (p50 17, p90 40.8), week 2 with one experiment (withheld); the previous period held 3 experiments at p50 24.
 */
export function cycleTimeAnswer(overrides: Partial<MetricResponse> = {}): MetricResponse {
  const values = (p50: number | null, p90: number | null) => ({ p50, p75: null, p90, waitP50: p50 === null ? null : 6, buildP50: p50 === null ? null : 6, verifyP50: p50 === null ? null : 12, decideP50: p50 === null ? null : 11 });
  return {
    metric: 'insight-to-evidence',
    definition: { title: 'Insight-to-evidence cycle time', description: '…', unit: 'hours', values: { p50: 'median cycle time', p90: '90th percentile' }, minSample: 3, docs: 'docs/metrics.md#insight-to-evidence' },
    interval: 'week',
    from: WEEK1,
    to: '2026-03-16T00:00:00.000Z',
    groupBy: null,
    rows: [
      { bucket: WEEK1, dimensions: {}, values: values(17, 40.8), n: 4, insufficientData: false },
      { bucket: WEEK2, dimensions: {}, values: values(null, null), n: 1, insufficientData: true },
    ],
    total: { values: values(24, 79.2), n: 5, insufficientData: false },
    comparisonTotal: { from: '2026-02-16T00:00:00.000Z', to: WEEK1, values: values(34, 90), n: 3, insufficientData: false },
    ...overrides,
  };
}

export function emptyAnswer(metric: MetricResponse['metric'], keys: string[], counts: boolean): MetricResponse {
  const values = Object.fromEntries(keys.map((k) => [k, counts ? 0 : null]));
  return {
    ...cycleTimeAnswer(),
    metric,
    rows: [
      { bucket: WEEK1, dimensions: {}, values, n: 0, insufficientData: true },
      { bucket: WEEK2, dimensions: {}, values, n: 0, insufficientData: true },
    ],
    total: { values, n: 0, insufficientData: true },
    comparisonTotal: undefined,
  };
}
