import { HEADERS_TIMEOUT_MS, httpServerTimeouts } from './connections';

describe('httpServerTimeouts', () => {
  it('limits the whole request and its headers, checked every tenth of the timeout', () => {
    expect(httpServerTimeouts(120)).toEqual({ requestTimeout: 120_000, http: { requestTimeout: 120_000, headersTimeout: HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 12_000 } });
  });

  it('keeps the headers timeout within a short request timeout (Node refuses a longer one) and checks at most every 0.5 s', () => {
    expect(httpServerTimeouts(2)).toEqual({ requestTimeout: 2_000, http: { requestTimeout: 2_000, headersTimeout: 2_000, connectionsCheckingInterval: 500 } });
  });

  it('checks at least every 30 s however long the timeout', () => {
    expect(httpServerTimeouts(3_600).http.connectionsCheckingInterval).toBe(30_000);
  });

  it('without a request timeout (0) still limits the headers to 60 s', () => {
    expect(httpServerTimeouts(0)).toEqual({ requestTimeout: 0, http: { requestTimeout: 0, headersTimeout: 60_000, connectionsCheckingInterval: 6_000 } });
  });
});
