/**
 * A Vite plugin that serves the Hardhat Ignition deployments to the app, in the dev server and in `vite preview`:
 * `GET /deployments/<id>` answers `deploy/deployments/<id>/deployed_addresses.json`, or 404 with the ids present.
 */
import fs from "node:fs";
import path from "node:path";
import type { Connect, Plugin } from "vite";

export function deploymentsPlugin(deploymentsDir: string): Plugin {
  const handler: Connect.NextHandleFunction = (req, res, next) => {
    const match = /^\/deployments\/([\w.-]+)\/?$/.exec((req.url ?? "").split("?")[0]);
    if (!match) return next();
    const file = path.join(deploymentsDir, match[1], "deployed_addresses.json");
    res.setHeader("content-type", "application/json");
    res.setHeader("cache-control", "no-store");
    if (!fs.existsSync(file)) {
      const available = fs.existsSync(deploymentsDir) ? fs.readdirSync(deploymentsDir) : [];
      res.statusCode = 404;
      res.end(JSON.stringify({ available }));
      return;
    }
    res.end(fs.readFileSync(file, "utf8"));
  };
  return {
    name: "keel-deployments",
    configureServer: (server) => void server.middlewares.use(handler),
    configurePreviewServer: (server) => void server.middlewares.use(handler),
  };
}
