// `@egress/templates/testing`: what code outside this app (bench/) drives. Vite bundles only what
// the pages load, so none of this reaches dist/; this subpath points at the sources (tsx only).

// The window event the built pages listen to, which bench/templates.ts sends.
export { LAYOUT_EVENT } from '../use-layout.js';
export { disposeRtcNode } from './dispose-rtc-node.js';
export { launchChromium } from './launch-chromium.js';
export { serveDirectory } from './serve-directory.js';
