import type { CollectionConfig, FieldHook } from 'payload'

import {
  adminsField,
  editors,
  readByStaffOnly,
  staff,
  staffField,
  staffOrPublishedAndDue,
} from '../../src/access/roles'
import { adminComponents } from '../../src/lib/adminComponents'
import type { Post } from '../../src/payload-types'
import { slugField } from '../../src/fields/slug'
import { postContentEditor } from '../../src/richtext/editor'
import { sanitizeRenderedHtml } from '../../src/richtext/safeHtml'
import { urlFieldProps } from '../../src/richtext/safeUrl'
import { POST_SLUG_PREFIX } from './derive'
import {
  editorsOrOwnUnpublished,
  importOwned,
  nobodyField,
  staffCreatingUnpublished,
  writtenByImportOnly,
} from './access/postAccess'
import { transitionEndpoint } from './endpoints/transition'
import { enforceEditorialWorkflow } from './hooks/enforceEditorialWorkflow'
import { explainPostRefusal } from './hooks/explainPostRefusal'
import { keepFieldsOnRestore } from './hooks/keepFieldsOnRestore'
import { keepSourceDocument } from './hooks/keepSourceDocument'
import { lockApprovedContent } from './hooks/lockApprovedContent'
import { refuseUnsafeUrls } from './hooks/refuseUnsafeUrls'
import { renderContentHtml } from './hooks/renderContentHtml'
import { startDuplicateAsDraft } from './hooks/startDuplicateAsDraft'
import { stampAuthorship } from './hooks/stampAuthorship'
import { AUTHORS, CATEGORIES, MEDIA, POSTS, SOURCES, USERS } from '../../src/lib/slugs'

export { EDITORIAL_STATES } from './workflow'

const sanitizeContentHtml: FieldHook<Post, string | null | undefined> = ({ value }) =>
  typeof value === 'string' ? sanitizeRenderedHtml(value) : value

/** The longest `contentHtml`: past the largest article an import file (5 MB) can hold. */
export const CONTENT_HTML_MAX_LENGTH = 10_000_000

export const Posts: CollectionConfig<'posts'> = {
  slug: POSTS,
  labels: { singular: { en: 'Post', zh: '文章' }, plural: { en: 'Posts', zh: '文章' } },
  admin: {
    useAsTitle: 'title',
    // The list reads its columns only, not each version's Lexical body and HTML.
    enableListViewSelectAPI: true,
    defaultColumns: [
      'title',
      'source',
      'categories',
      'editorialState',
      'publishedAt',
      'review.flagged',
      '_status',
    ],
    listSearchableFields: ['title', 'sourceUrl', 'slug'],
    // An editor reviews an archive of tens of thousands of posts: 50 a page, not Payload's 10.
    pagination: { defaultLimit: 50, limits: [20, 50, 100] },
    group: { en: 'Newsroom', zh: '编辑部' },
    description: {
      en: 'Write, review and publish. Writers submit for review; editors approve, schedule and publish.',
      zh: '撰写、审核和发布。撰稿人提交审核，编辑批准、定时并发布。',
    },
    // Staff preview, drafts included (src/http/preview.ts); relative, so it stays on this server.
    preview: (doc) => (doc?.id ? `/preview/posts/${doc.id}` : null),
    components: {
      beforeListTable: [adminComponents.postQuickFilters],
      edit: {
        beforeDocumentControls: [adminComponents.editorialActions],
        PublishButton: adminComponents.publishButton,
      },
    },
  },
  access: {
    read: staffOrPublishedAndDue,
    create: staffCreatingUnpublished,
    update: editorsOrOwnUnpublished,
    delete: editors,
    readVersions: staff,
  },
  endpoints: [transitionEndpoint],
  defaultPopulate: { title: true, slug: true, publishedAt: true, source: true, excerpt: true },
  defaultSort: '-publishedAt',
  versions: {
    drafts: { autosave: { interval: 2000 }, schedulePublish: true },
    maxPerDoc: 50,
  },
  hooks: {
    beforeOperation: [explainPostRefusal],
    beforeChange: [
      // First: what a restore or a duplicate carries over is settled before any rule looks at it.
      keepFieldsOnRestore,
      keepSourceDocument,
      startDuplicateAsDraft,
      refuseUnsafeUrls,
      stampAuthorship,
      enforceEditorialWorkflow,
      renderContentHtml,
      // Last: it fingerprints the post exactly as it will be stored.
      lockApprovedContent,
    ],
  },
  fields: [
    { name: 'title', type: 'text', required: true, label: { en: 'Title', zh: '标题' } },
    {
      type: 'tabs',
      tabs: [
        {
          label: { en: 'Content', zh: '正文' },
          fields: [
            {
              // A one-click cleanup of a scraped page's header, offered only when there is one.
              name: 'scrapedCleanup',
              type: 'ui',
              admin: { components: { Field: adminComponents.scrapedCleanup } },
            },
            {
              name: 'content',
              type: 'richText',
              editor: postContentEditor,
              label: { en: 'Content', zh: '正文' },
            },
            { name: 'excerpt', type: 'textarea', label: { en: 'Excerpt', zh: '摘要' } },
            {
              name: 'heroImage',
              type: 'upload',
              relationTo: MEDIA,
              label: { en: 'Hero image', zh: '头图' },
            },
          ],
        },
        {
          label: { en: 'Metadata', zh: '元数据' },
          fields: [
            {
              name: 'authors',
              type: 'relationship',
              relationTo: AUTHORS,
              hasMany: true,
              label: { en: 'Authors', zh: '作者' },
            },
            {
              name: 'source',
              type: 'relationship',
              relationTo: SOURCES,
              index: true,
              label: { en: 'Source', zh: '来源' },
              admin: { components: { Cell: adminComponents.relationshipNamesCell } },
            },
            {
              // Not unique: items of one feed may share a link (a podcast's homepage). Identity is
              // the store's (src/store/identity.ts): `provenance.matchUrl` and `provenance.guid`.
              name: 'sourceUrl',
              type: 'text',
              index: true,
              label: { en: 'Original URL', zh: '原文网址' },
              ...urlFieldProps('web'),
              admin: {
                description: {
                  en: "The original article's URL (an ingested item's link as its feed wrote it).",
                  zh: '原文网址（自动收录的条目保留订阅源所写的链接）。',
                },
              },
            },
            {
              name: 'categories',
              type: 'relationship',
              relationTo: CATEGORIES,
              hasMany: true,
              label: { en: 'Categories', zh: '栏目' },
              admin: { components: { Cell: adminComponents.relationshipNamesCell } },
            },
            { name: 'tags', type: 'text', hasMany: true, label: { en: 'Tags', zh: '标签' } },
          ],
        },
        {
          name: 'provenance',
          access: { read: staffField },
          label: { en: 'Provenance', zh: '来源记录' },
          admin: {
            description: {
              en: 'Where an imported post came from. Read-only.',
              zh: '导入文章的出处，只读。',
            },
          },
          fields: writtenByImportOnly([
            {
              name: 'archiveFile',
              type: 'text',
              index: true,
              admin: { readOnly: true },
              label: { en: 'Archive file', zh: '归档文件' },
            },
            {
              name: 'contentHash',
              type: 'text',
              admin: { readOnly: true },
              label: { en: 'Content hash', zh: '内容哈希' },
            },
            {
              name: 'feedTimestamp',
              type: 'number',
              admin: { readOnly: true },
              label: { en: 'Feed timestamp (ms)', zh: '订阅源时间戳（毫秒）' },
            },
            {
              name: 'rawDate',
              type: 'text',
              admin: { readOnly: true },
              label: { en: 'Raw date', zh: '原始日期' },
            },
            {
              name: 'frontMatter',
              type: 'json',
              // Shown as text: Payload's JSON editor loads Monaco from a CDN (src/admin/JsonViewer.tsx).
              admin: { readOnly: true, components: { Field: adminComponents.jsonViewer } },
              label: { en: 'Raw front matter', zh: '原始头信息' },
            },
            {
              // What `npm run export` writes back for a post nobody edited: re-imported, it is unchanged.
              name: 'source',
              type: 'json',
              admin: { readOnly: true, hidden: true },
              label: { en: 'Source document', zh: '源文档' },
            },
            {
              name: 'importedAt',
              type: 'date',
              admin: { readOnly: true },
              label: { en: 'Imported at', zh: '导入时间' },
            },
            {
              name: 'importRun',
              type: 'text',
              index: true,
              admin: { readOnly: true },
              label: { en: 'Import run', zh: '导入批次' },
            },
            {
              // The link's matching key (src/store/identity.ts matchKey): found by, never shown.
              name: 'matchUrl',
              type: 'text',
              index: true,
              admin: { readOnly: true },
              label: { en: 'Matching key of the URL', zh: '网址匹配键' },
            },
            {
              name: 'guid',
              type: 'text',
              index: true,
              admin: { readOnly: true },
              label: { en: 'Feed item guid', zh: '订阅源条目 guid' },
            },
          ]),
        },
      ],
    },
    {
      name: 'contentHtml',
      type: 'textarea',
      label: { en: 'Content as HTML', zh: '正文 HTML' },
      // Derived from `content` by the hooks, so as long as the content is: Payload's default cap on
      // text (`defaultMaxTextLength`, 40,000 characters) refused long articles' saves, which the
      // importer's bulk writer (no validation) stored. The import file cap (5 MB) bounds it.
      maxLength: CONTENT_HTML_MAX_LENGTH,
      // Rendered safe on save; this also keeps HTML stored before the URL rules (or written straight
      // into the database) from reaching anyone with a script URL or an event handler in it.
      hooks: { afterRead: [sanitizeContentHtml] },
      admin: { hidden: true, readOnly: true },
    },
    slugField({ from: 'title', fallbackPrefix: POST_SLUG_PREFIX }),
    {
      name: 'publishedAt',
      type: 'date',
      index: true,
      label: { en: 'Publish date', zh: '发布时间' },
      admin: {
        position: 'sidebar',
        date: { pickerAppearance: 'dayAndTime' },
        description: {
          en: 'Readers see a published post only from this moment on (embargo).',
          zh: '已发布的文章从此时起才对读者可见（禁发期）。',
        },
      },
    },
    {
      // Display only (no column): the provenance at a glance next to the state; see ProvenancePanel.
      name: 'provenanceSummary',
      type: 'ui',
      admin: { position: 'sidebar', components: { Field: adminComponents.provenancePanel } },
    },
    {
      name: 'editorialState',
      type: 'select',
      index: true,
      access: { read: staffField },
      defaultValue: 'draft',
      label: { en: 'Editorial state', zh: '编辑状态' },
      options: [
        { value: 'draft', label: { en: 'Draft', zh: '草稿' } },
        { value: 'in_review', label: { en: 'In review', zh: '待审' } },
        { value: 'changes_requested', label: { en: 'Changes requested', zh: '需修改' } },
        { value: 'approved', label: { en: 'Approved', zh: '已批准' } },
      ],
      admin: {
        position: 'sidebar',
        // Moved only by the workflow buttons above the document (POST /api/posts/:id/transition).
        readOnly: true,
        description: {
          en: 'Changed with the workflow buttons at the top (submit for review, request changes, approve).',
          zh: '通过顶部的流程按钮更改（提交审核、要求修改、批准）。',
        },
      },
    },
    {
      // Not stored: the note that goes into editorialLog with the move made by this save.
      name: 'editorialNote',
      type: 'textarea',
      virtual: true,
      access: { read: staffField },
      label: { en: 'Note for this step', zh: '本步骤说明' },
      admin: { position: 'sidebar' },
    },
    {
      name: 'editorialLog',
      type: 'array',
      label: { en: 'Editorial history', zh: '编辑记录' },
      // Appended to by the enforceEditorialWorkflow hook only.
      access: { read: staffField, create: nobodyField, update: nobodyField },
      admin: {
        readOnly: true,
        position: 'sidebar',
        initCollapsed: true,
        components: { RowLabel: adminComponents.editorialLogRowLabel },
      },
      fields: [
        { name: 'from', type: 'text' },
        { name: 'to', type: 'text' },
        { name: 'note', type: 'textarea' },
        { name: 'by', type: 'relationship', relationTo: USERS },
        { name: 'at', type: 'date' },
      ],
    },
    {
      // What the approving editor saw (../approval.ts); set by lockApprovedContent only.
      name: 'approvedFingerprint',
      type: 'text',
      access: { read: staffField, create: nobodyField, update: nobodyField },
      admin: { hidden: true },
    },
    {
      name: 'review',
      type: 'group',
      access: { read: staffField },
      label: { en: 'Import review', zh: '导入审核' },
      admin: { position: 'sidebar' },
      fields: readByStaffOnly([
        {
          name: 'flagged',
          type: 'checkbox',
          index: true,
          defaultValue: false,
          label: { en: 'Needs review', zh: '需要审核' },
          admin: { components: { Cell: adminComponents.flaggedCell } },
        },
        {
          name: 'fidelity',
          type: 'number',
          ...importOwned,
          label: { en: 'Text fidelity', zh: '文本保真度' },
          admin: { readOnly: true },
        },
        {
          name: 'warnings',
          type: 'text',
          ...importOwned,
          hasMany: true,
          label: { en: 'Import warnings', zh: '导入警告' },
          admin: { readOnly: true },
        },
      ]),
    },
    {
      name: 'createdBy',
      type: 'relationship',
      relationTo: USERS,
      index: true,
      label: { en: 'Created by', zh: '创建者' },
      // Stamped from the logged-in user; a writer must not make someone else's post their own.
      access: { read: staffField, create: adminsField, update: adminsField },
      admin: { position: 'sidebar', readOnly: true },
    },
  ],
}
