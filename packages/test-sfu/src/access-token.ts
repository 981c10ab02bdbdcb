import type { IncomingMessage } from 'node:http';
import type { ClaimGrants } from 'livekit-server-sdk';
import { TokenVerifier } from 'livekit-server-sdk';

/** An HTTP-level failure with the status livekit-server would answer and a message for clients. */
export class HttpError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
  }
}

/** The token of a signalling or API request: `access_token` query (browsers) or Bearer header. */
export function tokenFromRequest(req: IncomingMessage, url: URL): string | undefined {
  const fromQuery = url.searchParams.get('access_token');
  if (fromQuery) return fromQuery;
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

/**
 * Checks access tokens signed with one API key and secret, as livekit-server does.
 * Messages never include the token.
 */
export class AccessTokenChecker {
  readonly #verifier: TokenVerifier;

  constructor(apiKey: string, apiSecret: string) {
    this.#verifier = new TokenVerifier(apiKey, apiSecret);
  }

  /**
   * The grants of a valid, unexpired token.
   * @throws HttpError 401 when the token is missing, malformed, badly signed, from another API
   *   key, not yet valid or expired
   */
  async verify(token: string | undefined): Promise<ClaimGrants> {
    if (!token) throw new HttpError(401, 'no access token: pass access_token or a Bearer header');
    try {
      return await this.#verifier.verify(token);
    } catch (err) {
      const reason = err instanceof Error ? err.message : 'unreadable token';
      throw new HttpError(401, `invalid access token: ${reason}`);
    }
  }

  /**
   * The grants of a token that may join a room.
   * @throws HttpError 401 as {@link verify}, or when the token grants no room to join
   */
  async verifyJoin(token: string | undefined): Promise<ClaimGrants & { sub: string }> {
    const grants = await this.verify(token);
    if (!grants.video?.roomJoin || !grants.video.room) {
      throw new HttpError(401, 'access token does not grant roomJoin for a room');
    }
    if (!grants.sub) throw new HttpError(401, 'access token has no identity');
    return { ...grants, sub: grants.sub };
  }
}
