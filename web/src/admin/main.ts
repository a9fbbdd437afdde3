// Entry point of the admin centre (admin.html): loads the strings, then
// shows sign-in, the "no access" page for people whose roles include no
// admin-centre permission, or the admin centre itself; back to sign-in
// when the sign-in ends.
import '../styles/base.css';
import '../styles/console.css';
import '../styles/admin.css';
import * as api from '../api';
import { SignIn } from '../console/sign-in';
import { startI18n, t, translate } from '../i18n';
import type { MeView } from '../types';
import { $, moveFocus } from '../ui/dom';
import { fullName } from '../ui/profile-card';
import { hasAdminCentre } from './access';
import { Shell } from './shell';

const loading = $('#app-loading');
const signInView = $('#sign-in-view');
const noAccess = $('#no-access-view');
const adminView = $('#admin-view');
const nav = $('#admin-nav');
const header = $('#app-header');
let shell: Shell | null = null;

function hideAll(): void {
  shell?.dispose();
  shell = null;
  for (const element of [loading, signInView, noAccess, adminView, nav, header]) element.hidden = true;
}

function showSignIn(message = ''): void {
  hideAll();
  signInView.hidden = false;
  document.title = t('admin-page-title', { page: t('sign-in-submit') });
  signIn.reset(message);
  signIn.focus();
}

function showAdmin(me: MeView): void {
  hideAll();
  $('#account-name').textContent = fullName(me.user);
  $('#account-org').textContent = me.tenant.name;
  header.hidden = false;
  if (!hasAdminCentre(me.permissions)) {
    noAccess.hidden = false;
    document.title = t('admin-page-title', { page: t('admin-no-access-title') });
    moveFocus($('#no-access-title'));
    return;
  }
  nav.hidden = false;
  adminView.hidden = false;
  shell = new Shell(me);
  shell.start();
}

function fatal(message: string): void {
  loading.hidden = false;
  loading.classList.add('failed');
  loading.textContent = message;
  moveFocus(loading);
}

const signIn = new SignIn((me) => showAdmin(me));

async function start(): Promise<void> {
  await startI18n();
  translate();
  // The skip link must not change the address (the address is the page).
  $('#skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    moveFocus($('#main'));
  });
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
  if (me) showAdmin(me);
  else showSignIn();
}

void start();
