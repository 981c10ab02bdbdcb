import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Relative base: the composite worker serves the built files under any path prefix.
export default defineConfig({
  base: './',
  plugins: [react()],
  build: { outDir: 'dist' },
});
