import { withPayload } from '@payloadcms/next/withPayload'

/** @type {import('next').NextConfig} */
const nextConfig = {
  // Tests and parallel work can build into their own folder (NEXT_DIST_DIR) so builds never collide.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  // The Express server in src/server.ts is the only entry point; no Next telemetry or image service.
  images: { unoptimized: true },
  typescript: { ignoreBuildErrors: true },
  // No `X-Powered-By: Next.js, Payload`: it tells an attacker what to try. (withPayload adds it
  // unless this is false.) The other security headers are set in src/http/securityHeaders.ts.
  poweredByHeader: false,
}

export default withPayload(nextConfig, { devBundleServerPackages: false })
