import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The browser-mode server's defences, one check per attack:
 * - another local user or a web page guessing the port: every API call needs the per-launch token;
 * - DNS rebinding (evil.example resolving to 127.0.0.1): the Host header must name our own socket;
 * - cross-site requests from a page the user has open: a foreign Origin / Sec-Fetch-Site is refused,
 *   and no CORS header is ever sent, so preflights fail.
 * The token reaches the page in the URL fragment (never sent to any server, never in Referer) and is
 * sent back as `Authorization: Bearer`, which a cross-site form or <img> cannot attach.
 */

export function newLaunchToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokenMatches(request: IncomingMessage, token: string): boolean {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer ([A-Za-z0-9_-]+)$/.exec(header);
  if (!match) return false;
  const given = Buffer.from(match[1]!);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

export function hostAllowed(request: IncomingMessage, port: number): boolean {
  const host = request.headers.host?.toLowerCase();
  return host !== undefined && allowedHosts(port).has(host);
}

/** An Origin header, when the browser sends one, must be this server; `null` (sandboxed frames, file://) is foreign too. */
export function originAllowed(request: IncomingMessage, port: number): boolean {
  const origin = request.headers.origin;
  if (origin !== undefined) {
    const own = [...allowedHosts(port)].map((host) => `http://${host}`);
    if (!own.includes(origin.toLowerCase())) return false;
  }
  const site = request.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Sent on every response, API and static alike. Deliberately no Access-Control-* header. */
export function setSecurityHeaders(response: ServerResponse): void {
  response.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('X-Frame-Options', 'DENY');
  response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}
