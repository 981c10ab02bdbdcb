/** Placeholder page until the layouts land (issue #7): shows which layout was asked for. */
export function App() {
  const layout = new URLSearchParams(window.location.search).get('layout') ?? 'grid-dark';
  return <div data-layout={layout}>egress template: {layout}</div>;
}
