import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';

const root = document.getElementById('root');
if (!root) throw new Error('template page has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
