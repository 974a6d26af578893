/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The host embeds dist/ (crates/pryx-server/src/ui.rs): content-hashed files go under assets/
// (served immutable), index.html is served no-cache. No inline script or style may be emitted:
// the host's CSP forbids both.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: "es2022",
  },
  server: {
    // `npm run dev` talks to a host on the default port; start it with
    // --allow-origin http://localhost:5173 so the dev server's writes pass the Origin check.
    proxy: {
      "/api": "http://127.0.0.1:42424",
      "/ws": { target: "ws://127.0.0.1:42424", ws: true },
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
  },
});
