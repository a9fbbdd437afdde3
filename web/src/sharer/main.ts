// Entry point of the sharer page (share.html), opened by the local Deskmate
// agent at http://127.0.0.1:PORT/share.html#key=KEY. Takes the key from the
// address (and removes it from there), then hands over to SharerPage.
import '../styles/base.css';
import '../styles/share.css';
import { startI18n, t, translate } from '../i18n';
import { $ } from '../ui/dom';
import { loadWasm } from '../wasm';
import { SharerPage } from './sharer-page';

function takeKey(): string | null {
  const key = new URLSearchParams(location.hash.slice(1)).get('key');
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  return key;
}

async function start(): Promise<void> {
  const key = takeKey();
  await startI18n();
  translate();
  document.title = t('page-title-share');
  void loadWasm().catch(() => undefined);
  if (!key) {
    $('.sharer-status').textContent = '';
    $('#page-error').textContent = t('share-no-key');
    return;
  }
  new SharerPage(key).start();
}

void start();
