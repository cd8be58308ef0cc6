import { signatureMatches, signatureOf } from './alert-signature';

describe('alert webhook signatures', () => {
  // GitHub's own example ("Validating webhook deliveries", Testing the webhook payload validation): secret
  // "It's a Secret to Everybody", payload "Hello, World!" → this X-Hub-Signature-256. We sign the same way.
  const GITHUB_EXAMPLE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

  it("signs like GitHub: sha256= and the hex HMAC-SHA256 of the body, GitHub's documented example", () => {
    expect(signatureOf("It's a Secret to Everybody", 'Hello, World!')).toBe(GITHUB_EXAMPLE);
    expect(signatureOf("It's a Secret to Everybody", Buffer.from('Hello, World!'))).toBe(GITHUB_EXAMPLE);
  });

  it('verifies what it signs, and nothing else', () => {
    expect(signatureMatches("It's a Secret to Everybody", 'Hello, World!', GITHUB_EXAMPLE)).toBe(true);
    expect(signatureMatches("It's a Secret to Everybody", 'Hello, World!', GITHUB_EXAMPLE.toUpperCase().replace('SHA256', 'sha256'))).toBe(true);
    expect(signatureMatches('another secret', 'Hello, World!', GITHUB_EXAMPLE)).toBe(false);
    expect(signatureMatches("It's a Secret to Everybody", 'Hello, World?', GITHUB_EXAMPLE)).toBe(false);
    expect(signatureMatches("It's a Secret to Everybody", 'Hello, World!', undefined)).toBe(false);
  });
});
