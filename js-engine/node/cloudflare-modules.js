// Gives JavaScript workflow files the `cloudflare:workers` and `cloudflare:workflows` modules in Node, which has
// neither: a loader hook (node:module register) maps both specifiers to js-engine/cloudflare/. The user's file is
// imported unchanged, and so are the modules it imports.
import { register } from 'node:module';

let registered = false;

export function provideCloudflareModules() {
  if (registered) return;
  register('./cloudflare-hooks.js', import.meta.url);
  registered = true;
}
