/**
 * A page that browses any HDF5 file coh5 can open with H5Web: `?url=` (https, or s3:// of a public
 * bucket), or a File picked from disk. The header shows coh5's statistics as they grow: requests,
 * bytes moved (and their share of the file), metadata waves.
 * Run with `npm run viewer`, then open http://localhost:5173/?url=https://…/file.h5
 */
import { createElement as h, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from '@h5web/app';
import '@h5web/app/styles.css';
import { Coh5Provider } from '../../src/h5web/index.js';
import type { H5File } from '../../src/index.js';

function Stats({ file }: { file: H5File | undefined }) {
  const [, tick] = useState(0);
  useEffect(() => {
    const id = setInterval(() => tick((n) => n + 1), 500);
    return () => clearInterval(id);
  }, []);
  if (!file) return h('span', { className: 'stats' }, 'opening…');
  const s = file.stats();
  const size = file.cache.size ?? 0;
  const share = size ? ` (${((100 * (s.bytesTransferred ?? 0)) / size).toFixed(2)}% of ${mb(size)})` : '';
  return h('span', { className: 'stats', 'data-testid': 'coh5-stats' }, `${s.requests} requests · ${mb(s.bytesTransferred ?? 0)}${share} · ${s.waves} waves`);
}

const mb = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`);

function Viewer() {
  const [source, setSource] = useState<string | File | null>(new URLSearchParams(location.search).get('url'));
  const [file, setFile] = useState<H5File>();
  const [text, setText] = useState(typeof source === 'string' ? source : '');
  const go = (next: string | File) => {
    setFile(undefined);
    setSource(next);
    if (typeof next === 'string') history.replaceState(null, '', `?url=${encodeURIComponent(next)}`);
  };
  const header = h(
    'header',
    null,
    h('strong', null, 'coh5 + H5Web'),
    h('input', { type: 'text', value: text, placeholder: 'https://… or s3://bucket/key.h5', onChange: (e: { target: { value: string } }) => setText(e.target.value), onKeyDown: (e: { key: string }) => e.key === 'Enter' && text && go(text) }),
    h('input', { type: 'file', accept: '.h5,.hdf5,.nc,.he5,.hdf', onChange: (e: { target: { files: FileList | null } }) => e.target.files?.[0] && go(e.target.files[0]) }),
    source && h(Stats, { file }),
  );
  const body = source ? h(Coh5Provider, { key: typeof source === 'string' ? source : source.name, url: source, onOpen: setFile }, h(App, { sidebarOpen: true })) : h('p', { style: { padding: '1em' } }, 'Give a URL (?url=…) or pick a file.');
  return h('div', { id: 'viewer', style: { display: 'contents' } }, header, h('main', null, body));
}

createRoot(document.getElementById('root')!).render(h(Viewer));
