// /api/* (except our own /api/session/*) and /ws/* are proxied to Django by server.mjs at run time,
// so the backend address is not frozen into the build (see README "Frontend").
import createNextIntlPlugin from "next-intl/plugin";

const withNextIntl = createNextIntlPlugin("./src/i18n/request.ts");

/** @type {import("next").NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Keep Next's own trailing-slash redirects away from Django's URLs.
  skipTrailingSlashRedirect: true,
};

export default withNextIntl(nextConfig);
