import type { CollectionConfig } from 'payload'

import { anyone, editors, staff, staffField } from '../src/access/roles'
import { slugField } from '../src/fields/slug'
import { AUTHORS, MEDIA, POSTS, SOURCES, USERS } from '../src/lib/slugs'

/** Bylines. An author may be linked to a staff account and to the outlet they write for. */
export const Authors: CollectionConfig<'authors'> = {
  slug: AUTHORS,
  labels: { singular: { en: 'Author', zh: '作者' }, plural: { en: 'Authors', zh: '作者' } },
  admin: {
    useAsTitle: 'name',
    defaultColumns: ['name', 'outlet', 'user'],
    listSearchableFields: ['name', 'slug'],
    group: { en: 'Directory', zh: '目录' },
  },
  access: { read: anyone, create: staff, update: editors, delete: editors },
  defaultPopulate: { name: true, slug: true },
  fields: [
    { name: 'name', type: 'text', required: true, index: true, label: { en: 'Name', zh: '姓名' } },
    slugField({ from: 'name', fallbackPrefix: 'author' }),
    { name: 'bio', type: 'textarea', label: { en: 'Bio', zh: '简介' } },
    { name: 'photo', type: 'upload', relationTo: MEDIA, label: { en: 'Photo', zh: '照片' } },
    {
      name: 'user',
      type: 'relationship',
      relationTo: USERS,
      // Which staff account writes as this author is the newsroom's business, not readers'.
      access: { read: staffField },
      label: { en: 'User account', zh: '用户账号' },
      admin: { position: 'sidebar' },
    },
    {
      name: 'outlet',
      type: 'relationship',
      relationTo: SOURCES,
      label: { en: 'Outlet', zh: '所属来源' },
      admin: { position: 'sidebar' },
    },
    {
      name: 'posts',
      type: 'join',
      collection: POSTS,
      on: 'authors',
      label: { en: 'Posts', zh: '文章' },
      defaultLimit: 20,
      admin: { defaultColumns: ['title', 'editorialState', 'publishedAt', '_status'] },
    },
  ],
}
