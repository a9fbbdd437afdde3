// Entry point of the helper console (index.html): loads the strings and the
// WebAssembly module, then shows sign-in or the console, and goes back to
// sign-in when the sign-in ends.
import '../styles/base.css';
import '../styles/console.css';
import * as api from '../api';
import { startI18n, t, translate } from '../i18n';
import type { MeView } from '../types';
import { $, moveFocus } from '../ui/dom';
import { loadWasm } from '../wasm';
import { Console } from './console';
import { SignIn } from './sign-in';

const loading = $('#app-loading');
const signInView = $('#sign-in-view');
const consoleView = $('#console-view');
const header = $('#app-header');
let current: Console | null = null;

function showSignIn(message = ''): void {
  current?.dispose();
  current = null;
  loading.hidden = true;
  header.hidden = true;
  consoleView.hidden = true;
  signInView.hidden = false;
  document.title = t('page-title-sign-in');
  signIn.reset(message);
  signIn.focus();
}

async function showConsole(me: MeView): Promise<void> {
  let memory: WebAssembly.Memory;
  try {
    memory = await loadWasm();
  } catch (error) {
    console.error(error);
    fatal(t('error-wasm'));
    return;
  }
  current?.dispose();
  current = new Console(me, memory);
  loading.hidden = true;
  signInView.hidden = true;
  header.hidden = false;
  consoleView.hidden = false;
  document.title = t('page-title-console');
  current.focus();
  void current.resume();
  current.startFromLink();
}

function fatal(message: string): void {
  loading.hidden = false;
  loading.classList.add('failed');
  loading.textContent = message;
  moveFocus(loading);
}

const signIn = new SignIn((me) => void showConsole(me));

async function start(): Promise<void> {
  await startI18n();
  translate();
  void loadWasm().catch(() => undefined);
  api.whenSignedOut(() => showSignIn(t('sign-in-expired')));
  $('#sign-out').addEventListener('click', () => {
    void api.signOut().catch(() => undefined).finally(() => showSignIn(t('signed-out')));
  });
  let me: MeView | null;
  try {
    me = await api.me();
  } catch (error) {
    fatal(error instanceof api.ApiError ? error.detail : t('error-generic'));
    return;
  }
  if (me) await showConsole(me);
  else showSignIn();
}

void start();
