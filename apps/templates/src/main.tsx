import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('template page has no #root element');
// No StrictMode: its development double mount connects, disconnects and reconnects the room, and
// that disconnect would log END_RECORDING while a developer watches the page.
createRoot(root).render(<App />);
