import { useEffect, useState } from 'react';
import type { Size } from './layout-geometry.js';

function current(): Size {
  return { width: window.innerWidth, height: window.innerHeight };
}

/** The page size in CSS pixels (the recorder's window), updated on resize. */
export function usePageSize(): Size {
  const [size, setSize] = useState(current);
  useEffect(() => {
    const onResize = () => setSize(current());
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);
  return size;
}
