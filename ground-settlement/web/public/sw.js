// CabinPay's service worker (browser, plain JavaScript, copied as is): the passenger's vouchers
// work in the air. Pages and their assets, the passenger's registrations and their QR codes are
// fetched from the network when there is one and kept (with the ground's key and item names that
// receipts are checked and shown with); with the phone in flight mode, the last
// copies are shown. Nothing is kept for other routes, and logging out clears the kept data.
const SHELL = "cabinpay-shell-v1";
const DATA = "cabinpay-data-v1";
const VOUCHER_DATA = [
  /^\/registrations$/,
  /^\/registrations\/[0-9a-f-]{36}$/,
  /^\/registrations\/[0-9a-f-]{36}\/qr\.svg$/,
  /^\/registrations\/[0-9a-f-]{36}\/receipt-check$/,
  /^\/me$/,
];

const VOUCHER_PAGE = /^\/app\/passenger\/vouchers\/[0-9a-f-]{36}$/;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(["/app/", "/app/manifest.webmanifest", "/app/icon.svg"])));
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== SHELL && name !== DATA).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (VOUCHER_DATA.some((pattern) => pattern.test(url.pathname))) {
    event.respondWith(networkFirst(request, DATA));
  } else if (VOUCHER_PAGE.test(url.pathname)) {
    // The server draws the passenger's voucher into this page: kept with their data, which
    // logging out clears, never with the shell every passenger of this phone shares.
    event.respondWith(networkFirst(request, DATA, "/app/"));
  } else if (url.pathname.startsWith("/app/assets/")) {
    // Named by their content hash: a kept copy is the file itself, no need to ask a slow network.
    event.respondWith(cacheFirst(request, SHELL));
  } else if (url.pathname.startsWith("/app/")) {
    event.respondWith(networkFirst(request, SHELL, request.mode === "navigate" ? "/app/" : undefined));
  }
});

async function cacheFirst(request, cacheName) {
  const cache = await caches.open(cacheName);
  const kept = await cache.match(request);
  if (kept !== undefined) return kept;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function networkFirst(request, cacheName, fallbackUrl) {
  const cache = await caches.open(cacheName);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    // Vary (the voucher page varies by its session cookie) is ignored: a cache holds one passenger's copies.
    const kept =
      (await cache.match(request, { ignoreVary: true })) ?? (fallbackUrl === undefined ? undefined : await caches.match(fallbackUrl));
    if (kept !== undefined) return kept;
    throw error;
  }
}
