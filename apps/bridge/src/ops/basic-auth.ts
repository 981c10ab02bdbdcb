import { createHash, timingSafeEqual } from 'node:crypto';
import type { AdminConfig } from '@egress/protocol';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Whether an `Authorization` header carries the admin's HTTP basic credentials. Compared in
 * constant time over digests, so neither the length nor a prefix of the password leaks.
 */
export function isAdminAuthorized(header: string | undefined, admin: AdminConfig): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return false;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const isUser = timingSafeEqual(digest(decoded.slice(0, colon)), digest(admin.username));
  const isPassword = timingSafeEqual(digest(decoded.slice(colon + 1)), digest(admin.password));
  return isUser && isPassword;
}
