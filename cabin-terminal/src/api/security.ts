/**
 * The Content-Security-Policy of the crew UI, wherever it runs (Electron's window or the browser
 * host): only its own scripts and styles, no inline script, no plugins, no framing, network only
 * to where it came from. The camera stream is a `blob:`/`mediastream:` source for the video.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join("; ");
