/**
 * Vite for the app: React, the Ignition deployments served from deploy/deployments, and access to the repository's
 * shared TypeScript (scripts/common, typechain-types) outside app/. `npm run app` serves it on 127.0.0.1:5173.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { deploymentsPlugin } from "./deploymentsPlugin.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");

export default defineConfig({
  root: here,
  plugins: [react(), deploymentsPlugin(path.join(root, "deploy", "deployments"))],
  server: { host: "127.0.0.1", port: 5173, strictPort: true, fs: { allow: [root] } },
  preview: { host: "127.0.0.1", port: 4173, strictPort: true },
  build: { outDir: path.join(root, "dist", "app"), emptyOutDir: true, chunkSizeWarningLimit: 4096 },
});
