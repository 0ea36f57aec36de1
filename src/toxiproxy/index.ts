/** The embedded Toxiproxy-compatible server (see docs/toxiproxy.md). */
export { startToxiproxyServer, type ToxiproxyServer, type ToxiproxyServerOptions } from './server.js';
