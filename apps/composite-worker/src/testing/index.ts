// `@egress/composite-worker/testing`: what code outside this app (bench/) drives. Test code is
// not built (tsconfig.build.json), so this subpath points at the sources and loads under tsx only.
export { enqueue, sendStop, waitForResult } from './job-driver.js';
