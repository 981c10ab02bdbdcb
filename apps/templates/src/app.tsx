import { RoomPage } from './room-page.js';

/**
 * The default template page. Reads the room composite URL contract, `?url=&token=&layout=`, and
 * renders `div.error` when `url` or `token` is missing: the recorder turns that element into a
 * failed egress ("template error: ...") instead of recording an empty page.
 */
export function App() {
  const params = new URLSearchParams(window.location.search);
  const url = params.get('url');
  const token = params.get('token');
  if (!url || !token) {
    return <div className="error">missing required params url and token</div>;
  }
  return <RoomPage url={url} token={token} initialLayout={params.get('layout') ?? ''} />;
}
