import { EgressError } from '@egress/protocol';
import type { TokenVerifier } from 'livekit-server-sdk';

const BEARER_PREFIX = 'Bearer ';

/** Most bytes of an Authorization header we look at; a JWT with our grants is far smaller. */
export const MAX_AUTHORIZATION_CHARS = 16_384;

/**
 * Checks a Twirp request's `Authorization` header as livekit-server does: a `Bearer` JWT signed
 * with `api_key`/`api_secret` (issuer = key, `exp` required) whose video grant has
 * `roomRecord`.
 * @throws unauthenticated when the header is missing, not Bearer, or the token does not verify.
 * @throws permission_denied when the token lacks the `roomRecord` grant (livekit-server answers
 *   401 here; the issue asks for 403, which tells the caller what to fix).
 */
export async function authorizeRecording(
  header: string | undefined,
  verifier: TokenVerifier,
): Promise<void> {
  if (!header?.startsWith(BEARER_PREFIX)) {
    throw EgressError.unauthenticated(
      `invalid authorization header. Must start with ${BEARER_PREFIX}`,
    );
  }
  const token = header.slice(BEARER_PREFIX.length).trim();
  if (token === '' || token.length > MAX_AUTHORIZATION_CHARS) {
    throw EgressError.unauthenticated('invalid authorization token');
  }
  let grants: Awaited<ReturnType<TokenVerifier['verify']>>;
  try {
    grants = await verifier.verify(token);
  } catch (err) {
    // jose's codes (ERR_JWT_EXPIRED, ERR_JWS_SIGNATURE_VERIFICATION_FAILED...) say what is wrong
    // without quoting the token; any other text is not shown.
    const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
    const reason = typeof code === 'string' && /^ERR_J[A-Z_]+$/.test(code) ? `: ${code}` : '';
    throw new EgressError('unauthenticated', `invalid authorization token${reason}`, {
      cause: err,
    });
  }
  if (grants.video?.roomRecord !== true) {
    throw EgressError.permissionDenied('permissions denied: the token needs the roomRecord grant');
  }
}
