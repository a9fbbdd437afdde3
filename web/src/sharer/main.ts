// Entry point of the sharer page (share.html), opened by the local Deskmate
// agent at http://127.0.0.1:PORT/share.html#launch=TOKEN. The token (good
// once) is taken from the address and removed from there, then exchanged
// with the agent for the page's key, which never appears in an address;
// then SharerPage takes over.
import '../styles/base.css';
import '../styles/share.css';
import { startI18n, t, translate } from '../i18n';
import { $ } from '../ui/dom';
import { loadWasm } from '../wasm';
import { SharerPage } from './sharer-page';

/** Where this tab keeps the page's key across reloads. */
const KEY_ITEM = 'deskmate-sharer-key';

function takeLaunch(): string | null {
  const launch = new URLSearchParams(location.hash.slice(1)).get('launch');
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  return launch;
}

/** The page's key for a launch token; null when the agent refuses it. */
async function exchange(launch: string): Promise<string | null> {
  try {
    const response = await fetch('/launch', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ launch }),
      cache: 'no-store',
    });
    if (!response.ok) return null;
    const body = (await response.json()) as { key?: unknown };
    return typeof body.key === 'string' ? body.key : null;
  } catch {
    return null;
  }
}

function stop(message: string): void {
  $('.sharer-status').textContent = '';
  $('#page-error').textContent = message;
}

async function start(): Promise<void> {
  const launch = takeLaunch();
  await startI18n();
  translate();
  document.title = t('page-title-share');
  void loadWasm().catch(() => undefined);
  // A reload of this tab keeps the key (sessionStorage is this tab's and
  // this agent's alone); a new tab needs a new link.
  const key = launch ? await exchange(launch) : sessionStorage.getItem(KEY_ITEM);
  if (!key) {
    stop(t(launch ? 'share-launch-refused' : 'share-no-key'));
    return;
  }
  sessionStorage.setItem(KEY_ITEM, key);
  new SharerPage(key).start();
}

void start();
