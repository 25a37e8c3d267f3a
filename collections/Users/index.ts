import type { CollectionConfig } from 'payload'

import {
  admins,
  adminsField,
  editorsOrSelfField,
  isAdminUser,
  loggedIn,
  ROLES,
} from '../../src/access/roles'
import { loginThrottle } from './loginThrottle'
import { settings } from '../../src/config'
import { USERS } from '../../src/lib/slugs'

/** Whether `url` (SERVER_URL) is an https origin. */
export const isHttpsOrigin = (url: string | undefined): boolean =>
  typeof url === 'string' && /^https:\/\//i.test(url.trim())

// Sign-ins are throttled by address and account instead of locking the account (maxLoginAttempts: 0).
const throttle = loginThrottle()

/**
 * Newsroom staff. The very first account created (in the admin or from ADMIN_EMAIL) becomes an admin,
 * so a fresh install is never locked out; after that only admins grant roles.
 */
export const Users: CollectionConfig<'users'> = {
  slug: USERS,
  labels: { singular: { en: 'User', zh: '用户' }, plural: { en: 'Users', zh: '用户' } },
  auth: {
    tokenExpiration: 60 * 60 * 12,
    maxLoginAttempts: 0,
    // Behind https the session cookie never travels over plain http.
    cookies: { secure: isHttpsOrigin(settings().serverUrl) },
  },
  admin: {
    useAsTitle: 'email',
    defaultColumns: ['name', 'email', 'roles'],
    listSearchableFields: ['email', 'name'],
    group: { en: 'Settings', zh: '设置' },
  },
  endpoints: [
    {
      // Email verification is off (accounts are made by admins): Payload still routes it, and its
      // lookup of a verification column that does not exist answered 500. Ahead of Payload's own.
      path: '/verify/:token',
      method: 'post',
      handler: () =>
        Response.json(
          { errors: [{ message: 'Email verification is not used here.' }] },
          { status: 404 },
        ),
    },
  ],
  access: {
    // Anyone may reach `create` so the admin's first-user form works; the hook below refuses
    // everyone but admins once a user exists.
    create: () => true,
    read: loggedIn,
    update: ({ req, id }) => isAdminUser(req.user) || (req.user != null && req.user.id === id),
    delete: admins,
    admin: ({ req }) => Boolean(req.user),
  },
  hooks: {
    beforeOperation: [throttle.beforeLogin],
    afterLogin: [throttle.afterLogin],
    beforeChange: [
      async ({ operation, data, req }) => {
        if (operation !== 'create') return data
        const { totalDocs } = await req.payload.count({
          collection: USERS,
          req,
          overrideAccess: true,
        })
        if (totalDocs === 0) return { ...data, roles: ['admin'] }
        if (!isAdminUser(req.user) && req.payloadAPI !== 'local') {
          const { Forbidden } = await import('payload')
          throw new Forbidden(req.t)
        }
        return data
      },
    ],
  },
  fields: [
    // Payload's own email field, with who may read it (merged into the auth field).
    { name: 'email', type: 'email', access: { read: editorsOrSelfField } },
    { name: 'name', type: 'text', label: { en: 'Name', zh: '姓名' } },
    {
      name: 'roles',
      type: 'select',
      hasMany: true,
      required: true,
      saveToJWT: true,
      defaultValue: ['writer'],
      label: { en: 'Roles', zh: '角色' },
      options: ROLES.map((value) => ({
        value,
        label: {
          admin: { en: 'Admin', zh: '管理员' },
          editor: { en: 'Editor', zh: '编辑' },
          writer: { en: 'Writer', zh: '撰稿人' },
        }[value],
      })),
      access: { read: editorsOrSelfField, create: adminsField, update: adminsField },
    },
  ],
}
