// A real OpenID Connect provider (the `oidc-provider` package) for the single sign-on tests, run as a child
// process on 127.0.0.1. Its login page takes an email (no password); consent is given at once.
// Usage: node provider-server.mjs '<json: { clientId, clientSecret, redirectUris, emailVerified? }>'
// Prints one line `{"issuer":"http://127.0.0.1:<port>"}` when listening.
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

const options = JSON.parse(process.argv[2]);

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-signing-key', alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: options.clientId,
      client_secret: options.clientSecret,
      redirect_uris: options.redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: ['loopmeter-test-cookie-key'] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  pkce: { required: () => true },
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: `sub-${id}`, email: id, email_verified: options.emailVerified ?? true, name: `Test ${id.split('@')[0]}` };
      },
    };
  },
});
provider.on('server_error', (_ctx, err) => process.stderr.write(`provider error: ${err.stack}\n`));

const callback = provider.callback();

server.on('request', async (req, res) => {
  try {
    const url = new URL(req.url, issuer);
    const match = /^\/interaction\/([^/]+)(\/login)?$/.exec(url.pathname);
    if (!match) return callback(req, res);
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      if (req.method === 'GET') {
        res.setHeader('content-type', 'text/html');
        res.end(`<form method="post" action="/interaction/${details.uid}/login"><input name="email"><button>Sign in</button></form>`);
        return;
      }
      const body = await new Promise((resolve) => {
        let text = '';
        req.on('data', (c) => (text += c));
        req.on('end', () => resolve(new URLSearchParams(text)));
      });
      await provider.interactionFinished(req, res, { login: { accountId: body.get('email') } }, { mergeWithLastSubmission: false });
      return;
    }
    const { prompt, params, session } = details;
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  } catch (error) {
    res.statusCode = 500;
    res.end(String(error));
  }
});

process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
