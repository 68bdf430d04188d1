import { Hono } from 'hono';
import { isAdmin } from '../auth/job-permissions.js';
import { principalOf } from './auth.js';

/** The SCIM user of the caller (`GET /api/2.0/preview/scim/v2/Me`), which `currentUser.me()` and the CLI read. */
export function scimMeRoutes(): Hono {
  const app = new Hono();
  app.get('/preview/scim/v2/Me', (c) => {
    const { userName } = principalOf(c);
    c.header('X-Databricks-Org-Id', WORKSPACE_ID);
    return c.json({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: userName,
      userName,
      displayName: userName,
      active: true,
      emails: [{ value: userName, type: 'work', primary: true }],
      // weir's groups: everyone is in `users`, only the workspace admin in `admins` (ADR 0009).
      groups: [...(isAdmin(userName) ? [{ display: 'admins', value: 'admins', type: 'direct' }] : []), { display: 'users', value: 'users', type: 'direct' }],
      entitlements: [{ value: 'workspace-access' }],
    });
  });
  return app;
}

/** weir is one workspace; it reports id "0", as `{{workspace.id}}` does. */
export const WORKSPACE_ID = '0';
