// `@egress/bridge/testing`: what code outside this app (e2e/, bench/) drives. Test code is not
// built (tsconfig.build.json), so this subpath points at the sources and loads under tsx only.

// The production code bench/bridge.ts measures, reached through here so that bench/ imports
// this app by name.
export { type Bridge, startBridge } from '../bridge.js';
export { FIRST_AVAILABLE, type PsrpcSelectionOptions } from '../psrpc/psrpc-client.js';
export {
  FakeLivekitServer,
  type FakeLivekitServerOptions,
  type IoInfoCall,
  START_EGRESS_SELECTION,
} from '../psrpc/testing/fake-livekit-server.js';
export { testLogger } from '../psrpc/testing/test-logger.js';
export { removeTestKeys } from './start-test-bridge.js';
export { TEST_API_KEY, TEST_API_SECRET, testConfig } from './test-config.js';
