// Approving a native client's sign-in (SPEC §3): `deskmate share` opens
// `/activate?code=…`, which lands here with `?activate=CODE`. The signed-in
// person sees which client asks, from where and with which code (to compare
// with what the client shows), and approves or denies. Nothing happens
// without that choice.
import { confirmDialog } from '../admin/ui/dialog';
import * as api from '../api';
import { t } from '../i18n';

/** Asks about the request with `code`; the outcome in words for the status line. */
export async function approveSignIn(code: string): Promise<string> {
  let request: api.SignInRequest;
  try {
    request = await api.signInRequest(code);
  } catch (error) {
    return error instanceof api.ApiError ? error.detail : t('error-generic');
  }
  if (request.status !== 'pending') return t('activate-already', { code: request.user_code });
  const approve = await confirmDialog({
    title: t('activate-title'),
    message: t('activate-text', {
      client: request.client_name,
      address: request.source_addr,
      code: request.user_code,
    }),
    confirm: t('activate-approve'),
  });
  try {
    await api.decideSignIn(request.user_code, approve);
  } catch (error) {
    return error instanceof api.ApiError ? error.detail : t('error-generic');
  }
  return approve ? t('activate-approved', { client: request.client_name }) : t('activate-denied', { client: request.client_name });
}
