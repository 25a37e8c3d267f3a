import type { CollectionConfig } from 'payload'

import { admins, anyone, staffField } from '../../src/access/roles'
import { slugField } from '../../src/fields/slug'
import { ingestFields } from './ingestFields'
import { urlFieldProps } from '../../src/richtext/safeUrl'
import { adminComponents } from '../../src/lib/adminComponents'
import { MEDIA, POSTS, SOURCES } from '../../src/lib/slugs'

/** The outlets content comes from (RFI, CNA, Zaobao, ...): who to credit and how. */
export const Sources: CollectionConfig<'sources'> = {
  slug: SOURCES,
  labels: { singular: { en: 'Source', zh: '来源' }, plural: { en: 'Sources', zh: '来源' } },
  admin: {
    useAsTitle: 'name',
    enableListViewSelectAPI: true,
    defaultColumns: ['name', 'slug', 'homepage', 'hostnames'],
    listSearchableFields: ['name', 'slug', 'homepage'],
    group: { en: 'Directory', zh: '目录' },
  },
  access: { read: anyone, create: admins, update: admins, delete: admins },
  defaultPopulate: { name: true, slug: true, homepage: true, attribution: true },
  fields: [
    { name: 'name', type: 'text', required: true, unique: true, label: { en: 'Name', zh: '名称' } },
    slugField({ from: 'name', fallbackPrefix: 'source' }),
    {
      name: 'homepage',
      type: 'text',
      label: { en: 'Homepage', zh: '主页' },
      ...urlFieldProps('web'),
    },
    {
      name: 'hostnames',
      type: 'text',
      hasMany: true,
      label: { en: 'Hostnames', zh: '域名' },
      admin: {
        description: { en: 'Hosts its article URLs use.', zh: '该来源文章网址使用的域名。' },
      },
    },
    {
      name: 'feedUrl',
      type: 'text',
      // Feed URLs carry keys in their query strings: staff only, like the ingest settings.
      access: { read: staffField },
      label: { en: 'Feed URL', zh: '订阅源网址' },
      ...urlFieldProps('web'),
    },
    {
      // "Discover feeds": lists the feeds the homepage announces, for the editor to pick and save.
      name: 'discoverFeeds',
      type: 'ui',
      admin: { components: { Field: adminComponents.discoverFeeds } },
    },
    {
      name: 'attribution',
      type: 'textarea',
      label: { en: 'Licence / attribution', zh: '版权 / 署名说明' },
      admin: {
        description: {
          en: 'Shown with every post from this source.',
          zh: '随该来源的每篇文章一同显示。',
        },
      },
    },
    { name: 'logo', type: 'upload', relationTo: MEDIA, label: { en: 'Logo', zh: '标志' } },
    {
      name: 'posts',
      type: 'join',
      collection: POSTS,
      on: 'source',
      label: { en: 'Posts', zh: '文章' },
      defaultLimit: 20,
      // Readers keep the join (REST, GraphQL); the admin links to the filtered posts list instead
      // of listing an outlet's thousands of posts above its ingest settings.
      admin: {
        hidden: true,
        defaultColumns: ['title', 'editorialState', 'publishedAt', '_status'],
      },
    },
    {
      name: 'postsLink',
      type: 'ui',
      admin: { components: { Field: adminComponents.sourcePostsLink } },
    },
    ...ingestFields,
  ],
}
