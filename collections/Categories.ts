import type { CollectionConfig } from 'payload'

import { anyone, editors } from '../src/access/roles'
import { slugField } from '../src/fields/slug'
import { CATEGORIES, POSTS } from '../src/lib/slugs'

export const Categories: CollectionConfig<'categories'> = {
  slug: CATEGORIES,
  labels: { singular: { en: 'Category', zh: '栏目' }, plural: { en: 'Categories', zh: '栏目' } },
  admin: {
    useAsTitle: 'name',
    defaultColumns: ['name', 'slug', 'parent'],
    listSearchableFields: ['name', 'slug'],
    group: { en: 'Directory', zh: '目录' },
  },
  access: { read: anyone, create: editors, update: editors, delete: editors },
  defaultPopulate: { name: true, slug: true },
  fields: [
    { name: 'name', type: 'text', required: true, unique: true, label: { en: 'Name', zh: '名称' } },
    slugField({ from: 'name', fallbackPrefix: 'category' }),
    { name: 'description', type: 'textarea', label: { en: 'Description', zh: '说明' } },
    {
      name: 'parent',
      type: 'relationship',
      relationTo: CATEGORIES,
      label: { en: 'Parent', zh: '上级栏目' },
      admin: { position: 'sidebar' },
    },
    {
      name: 'posts',
      type: 'join',
      collection: POSTS,
      on: 'categories',
      label: { en: 'Posts', zh: '文章' },
      defaultLimit: 20,
      admin: { defaultColumns: ['title', 'editorialState', 'publishedAt', '_status'] },
    },
  ],
}
