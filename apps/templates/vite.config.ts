import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { devRoomPlugin } from './src/dev-room-plugin.js';

const env = process.env;

// Relative base: the composite worker serves the built files under any path prefix.
export default defineConfig({
  base: './',
  plugins: [
    react(),
    // `vite` (pnpm dev) also runs a test-SFU room with bots; EGRESS_DEV_ROOM=0 turns it off.
    ...(env.EGRESS_DEV_ROOM === '0'
      ? []
      : [
          devRoomPlugin({
            bots: Number(env.EGRESS_DEV_ROOM_BOTS ?? 3),
            layout: env.EGRESS_DEV_ROOM_LAYOUT ?? 'grid',
            port: Number(env.EGRESS_DEV_ROOM_PORT ?? 7880),
          }),
        ]),
  ],
  // One page loaded from local disk by the recorder: splitting the ~800 kB bundle gains nothing.
  build: { outDir: 'dist', chunkSizeWarningLimit: 1200 },
});
