import type { NextConfig } from "next";

// /api/* (except our own /api/session/*) and /ws/* are proxied to Django by server.mjs at run time,
// so the backend address is not frozen into the build (see README "Frontend").
const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  typedRoutes: false,
  // Keep Next's own "/api/..." trailing-slash handling out of the way of Django's URLs.
  skipTrailingSlashRedirect: true,
};

export default nextConfig;
