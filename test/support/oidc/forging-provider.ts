import { createHash, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { exportJWK, SignJWT, type JWTPayload } from 'jose';

/** What the token endpoint knows of the sign-in it answers for. */
export interface TokenContext {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The nonce the client sent to the authorization endpoint. */
  nonce: string;
  /** The provider's own signing key (published in its JWKS under kid `k1`). */
  signingKey: KeyObject;
}

/** An ID token as the token endpoint returns it: a string, or the claims to sign with the provider's key. */
export type IdTokenMaker = (ctx: TokenContext) => Promise<string>;

export interface TokenRequestSeen {
  code: string | null;
  codeVerifier: string | null;
  redirectUri: string | null;
  basicAuth: string | null;
  /** The code_challenge sent with the authorization request this code came from. */
  challenge: string | null;
}

export interface ForgingProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** What the token endpoint returns as `id_token`; a well-formed token by default. */
  idToken: IdTokenMaker;
  tokenRequests: TokenRequestSeen[];
  stop(): Promise<void>;
}

/**
 * A hostile OpenID Connect provider of the test's own on 127.0.0.1: a real discovery document, JWKS,
 * authorization endpoint (it signs anyone in at once) and token endpoint (which checks the client secret and
 * PKCE like a real one), whose ID token the test chooses, to check the client refuses forged ones.
 */
export async function startForgingProvider(): Promise<ForgingProvider> {
  const clientId = 'loopmeter-forged';
  const clientSecret = 'forging-client-secret-0123456789';
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  /** Codes handed out by the authorization endpoint: their PKCE challenge and nonce. */
  const codes = new Map<string, { challenge: string; nonce: string }>();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const issuer = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const provider: ForgingProvider = {
    issuer,
    clientId,
    clientSecret,
    idToken: (ctx) => signIdToken(ctx, { nonce: ctx.nonce }),
    tokenRequests: [],
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  server.on('request', (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', issuer);
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (url.pathname === '/.well-known/openid-configuration') {
        return json(200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          token_endpoint_auth_methods_supported: ['client_secret_basic'],
          code_challenge_methods_supported: ['S256'],
        });
      }
      if (url.pathname === '/jwks') return json(200, { keys: [jwk] });
      if (url.pathname === '/authorize') {
        const p = url.searchParams;
        const code = randomBytes(16).toString('base64url');
        codes.set(code, { challenge: p.get('code_challenge') ?? '', nonce: p.get('nonce') ?? '' });
        const back = new URL(p.get('redirect_uri')!);
        back.search = new URLSearchParams({ code, state: p.get('state') ?? '', iss: issuer }).toString();
        res.writeHead(302, { location: back.toString() });
        return res.end();
      }
      if (url.pathname === '/token' && req.method === 'POST') {
        const form = new URLSearchParams(await readBody(req));
        const code = form.get('code');
        const issued = code ? codes.get(code) : undefined;
        const seen: TokenRequestSeen = {
          code,
          codeVerifier: form.get('code_verifier'),
          redirectUri: form.get('redirect_uri'),
          basicAuth: req.headers.authorization ?? null,
          challenge: issued?.challenge ?? null,
        };
        provider.tokenRequests.push(seen);
        const expectedAuth = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
        if (seen.basicAuth !== expectedAuth) return json(401, { error: 'invalid_client' });
        if (!issued) return json(400, { error: 'invalid_grant', error_description: 'unknown code' });
        codes.delete(code!);
        // RFC 7636 §4.6: the verifier must hash to the challenge of the authorization request.
        const verifier = seen.codeVerifier;
        if (!verifier || createHash('sha256').update(verifier).digest('base64url') !== issued.challenge) {
          return json(400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
        }
        const idToken = await provider.idToken({ issuer, clientId, clientSecret, nonce: issued.nonce, signingKey: privateKey });
        return json(200, { access_token: randomBytes(16).toString('base64url'), token_type: 'Bearer', expires_in: 300, id_token: idToken });
      }
      json(404, { error: 'not_found' });
    })().catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  return provider;
}

/** Signs an ID token for `eve@example.com` with RS256; `claims` and `options` change what a forger would. */
export async function signIdToken(
  ctx: TokenContext,
  claims: JWTPayload,
  options: { key?: KeyObject | Uint8Array; alg?: string; issuer?: string; audience?: string | string[]; expiresAt?: number; issuedAt?: number } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ email: 'eve@example.com', email_verified: true, name: 'Eve', ...claims })
    .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: 'k1', typ: 'JWT' })
    .setIssuer(options.issuer ?? ctx.issuer)
    .setAudience(options.audience ?? ctx.clientId)
    .setSubject('sub-eve')
    .setIssuedAt(options.issuedAt ?? now)
    .setExpirationTime(options.expiresAt ?? now + 300)
    .sign(options.key ?? ctx.signingKey);
}

/** An unsigned token (`alg: none`), which no client may accept. */
export function unsignedIdToken(ctx: TokenContext, claims: JWTPayload = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const payload = { iss: ctx.issuer, aud: ctx.clientId, sub: 'sub-eve', iat: now, exp: now + 300, nonce: ctx.nonce, email: 'eve@example.com', email_verified: true, ...claims };
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}
