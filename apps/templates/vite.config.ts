import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Relative base: the composite worker serves the built files under any path prefix.
export default defineConfig({
  base: './',
  plugins: [react()],
  // One page loaded from local disk by the recorder: splitting the ~800 kB bundle gains nothing.
  build: { outDir: 'dist', chunkSizeWarningLimit: 1200 },
});
