// A real OpenID provider (npm oidc-provider) on loopback for tests/integration/test_oidc.py.
// Environment: PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI. Prints "pret <issuer>" once listening.
// One test user per login (dev interactions: any login, any password); its claims are given by the
// login typed: "agent-53" → région "053", roles ["users"] (see ACCOUNTS). Access tokens are JWTs for
// the resource "urn:dataetat:api" (audience CLIENT_ID); "urn:autre:api" has another audience.
// Test-only route POST /test/signer: signs the JSON body with the provider's key (or, with
// ?cle=inconnue, with a key absent from the JWKS) to build expired or wrongly issued tokens.
import { generateKeyPair, exportJWK, SignJWT } from 'jose';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const clientId = process.env.CLIENT_ID;

const ACCOUNTS = {
  'agent-53': { email: 'Agent.53@Bretagne.gouv.fr', region: '053', roles: ['users'] },
  'comptable-nat': { email: 'comptable@finances.gouv.fr', region: 'NAT', roles: ['users', 'comptable'] },
  'sans-role': { email: 'sans.role@bretagne.gouv.fr', region: '053', roles: [] },
};

function claimsOf(accountId) {
  const account = ACCOUNTS[accountId] ?? ACCOUNTS['agent-53'];
  return {
    email: account.email,
    email_verified: true,
    region: account.region,
    resource_access: { [clientId]: { roles: account.roles } },
  };
}

const key = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(key.privateKey)), kid: 'cle-test', alg: 'RS256', use: 'sig' };
const unknown = await generateKeyPair('RS256');

const RESOURCES = {
  'urn:dataetat:api': clientId,
  'urn:autre:api': 'autre-api',
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: process.env.CLIENT_SECRET,
    redirect_uris: [process.env.REDIRECT_URI],
    grant_types: ['authorization_code', 'client_credentials'],
    response_types: ['code'],
  }],
  jwks: { keys: [jwk] },
  cookies: { keys: ['cle-des-cookies-de-test'] },
  pkce: { required: () => true },
  ttl: { ClientCredentials: 600 },
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['region', 'resource_access'],
  },
  scopes: ['openid', 'email', 'profile', 'api'],
  findAccount: (ctx, id) => ({
    accountId: id,
    claims: () => ({ sub: id, ...claimsOf(id) }),
  }),
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:dataetat:api',
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) => {
        if (!(resource in RESOURCES)) throw new Error(`ressource inconnue ${resource}`);
        return { scope: 'api', audience: RESOURCES[resource], accessTokenFormat: 'jwt', accessTokenTTL: 600 };
      },
    },
  },
  extraTokenClaims: (ctx, token) => claimsOf(token.accountId ?? 'agent-53'),
});

provider.use(async (ctx, next) => {
  if (ctx.path !== '/test/signer' || ctx.method !== 'POST') return next();
  let raw = '';
  for await (const chunk of ctx.req) raw += chunk;
  const payload = JSON.parse(raw);
  const signing = ctx.query.cle === 'inconnue' ? unknown.privateKey : key.privateKey;
  const kid = ctx.query.cle === 'inconnue' ? 'cle-inconnue' : 'cle-test';
  ctx.body = await new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid }).sign(signing);
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`pret ${issuer}`);
});
