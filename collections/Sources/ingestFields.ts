import type { Field, FieldAccess } from 'payload'

import { adminsField, readByStaffOnly, staffField } from '../../src/access/roles'
import { adminComponents } from '../../src/lib/adminComponents'
import { CATEGORIES } from '../../src/lib/slugs'

/** Written by the ingest run only (at the database level); nobody edits it through the API. */
const nobody: FieldAccess = () => false

/**
 * A health date is shown once it has one: an empty read-only date field is a blank box, where the
 * summary above the dates says "Never polled" (src/admin/sources/IngestHealthSummary.tsx).
 */
const shownWhenSet =
  (name: string) =>
  (_data: unknown, siblingData: Record<string, unknown> | undefined): boolean =>
    Boolean(siblingData?.[name])

/** The default poll interval of a source, in minutes. */
export const DEFAULT_POLL_MINUTES = 15

/**
 * The fields `sources` gains for live ingest: the settings an admin edits (`ingest`) and the state
 * the ingest run keeps (`ingestStatus`): health for editors, validators for conditional requests,
 * the backoff, and what the last poll saw.
 */
export const ingestFields: Field[] = [
  {
    name: 'ingest',
    type: 'group',
    access: { read: staffField },
    label: { en: 'Live ingest', zh: '自动收录' },
    admin: {
      description: {
        en: "Polls the feed URL and brings new items into the newsroom through the importer's pipeline.",
        zh: '定时读取订阅源，经由导入流程把新条目收进编辑部。',
      },
    },
    fields: readByStaffOnly([
      {
        name: 'enabled',
        type: 'checkbox',
        defaultValue: false,
        label: { en: 'Poll this feed', zh: '定时读取此订阅源' },
      },
      {
        name: 'intervalMinutes',
        type: 'number',
        min: 1,
        max: 24 * 60,
        defaultValue: DEFAULT_POLL_MINUTES,
        label: { en: 'Poll every (minutes)', zh: '读取间隔（分钟）' },
      },
      {
        name: 'arrivesAs',
        type: 'select',
        defaultValue: 'in_review',
        label: { en: 'An arriving item becomes', zh: '新条目成为' },
        options: [
          { value: 'in_review', label: { en: 'A draft in review', zh: '待审草稿' } },
          { value: 'published', label: { en: 'Published at once', zh: '立即发布' } },
        ],
      },
      {
        name: 'defaultCategories',
        type: 'relationship',
        relationTo: CATEGORIES,
        hasMany: true,
        label: { en: 'Categories of every item', zh: '每个条目的栏目' },
      },
      {
        name: 'publishedChanges',
        type: 'select',
        defaultValue: 'review',
        label: {
          en: 'An item that changes after its post is published or approved',
          zh: '文章已发布或已批准后条目有变化时',
        },
        options: [
          {
            value: 'review',
            label: {
              en: 'Becomes a draft in review (readers keep the published post)',
              zh: '成为待审草稿（读者仍看到已发布的版本）',
            },
          },
          { value: 'keep', label: { en: 'Is left out', zh: '不收录' } },
        ],
        admin: {
          description: {
            en: 'Ingest never unpublishes a post. Sources whose items are published at once update their own posts directly.',
            zh: '自动收录从不撤下文章。设为立即发布的来源直接更新自己的文章。',
          },
        },
      },
      {
        name: 'allowForeignHosts',
        type: 'checkbox',
        defaultValue: false,
        label: {
          en: 'Accept items that link to other sites (an aggregator)',
          zh: '接受链接到其他网站的条目（聚合源）',
        },
        admin: {
          description: {
            en: "Off: an item whose link is not on the source's hostnames, homepage or feed host is refused.",
            zh: '关闭时，链接不在本来源域名、主页或订阅源主机上的条目会被拒绝。',
          },
        },
      },
      {
        name: 'fetchFullArticle',
        type: 'checkbox',
        defaultValue: false,
        label: {
          en: 'Fetch the article page when the feed has only a summary',
          zh: '订阅源只有摘要时抓取原文页面',
        },
        admin: {
          description: {
            en: 'The article is extracted from the page with the same reader view as the archive importer.',
            zh: '用与归档导入相同的阅读模式从页面中提取正文。',
          },
        },
      },
      {
        // Per source, never process-wide: the exception covers this feed's own host and nothing it
        // links or redirects to (ingest/client.ts). Only admins may open it.
        name: 'allowPrivateNetwork',
        type: 'checkbox',
        defaultValue: false,
        access: { create: adminsField, update: adminsField },
        label: {
          en: 'The feed is on a private network',
          zh: '订阅源位于内部网络',
        },
        admin: {
          description: {
            en: "Lets ingest fetch this feed URL from a private, loopback or link-local address (an internal wire). Applies to the feed URL's own host only: never to redirects to other hosts or to article pages. Admins only.",
            zh: '允许从内部、回环或链路本地地址读取此订阅源网址（内部通讯社）。仅适用于订阅源网址本身的主机，不适用于跳转到其他主机或文章页面。仅限管理员设置。',
          },
        },
      },
    ]),
  },
  {
    name: 'ingestStatus',
    type: 'group',
    access: { read: staffField, create: nobody, update: nobody },
    label: { en: 'Ingest health', zh: '收录状态' },
    admin: { readOnly: true },
    fields: readByStaffOnly([
      {
        name: 'summary',
        type: 'ui',
        admin: { components: { Field: adminComponents.ingestHealthSummary } },
      },
      {
        name: 'lastPolledAt',
        type: 'date',
        label: { en: 'Last poll', zh: '上次读取' },
        admin: { condition: shownWhenSet('lastPolledAt') },
      },
      {
        name: 'lastSuccessAt',
        type: 'date',
        label: { en: 'Last success', zh: '上次成功' },
        admin: { condition: shownWhenSet('lastSuccessAt') },
      },
      { name: 'lastError', type: 'textarea', label: { en: 'Last error', zh: '最近错误' } },
      {
        name: 'failureStreak',
        type: 'number',
        index: true,
        defaultValue: 0,
        label: { en: 'Failures in a row', zh: '连续失败次数' },
      },
      {
        name: 'itemsLast24h',
        type: 'number',
        label: { en: 'Items in the last 24 hours', zh: '最近 24 小时条目' },
      },
      {
        name: 'nextPollAt',
        type: 'date',
        index: true,
        label: { en: 'Next poll', zh: '下次读取' },
        admin: {
          condition: shownWhenSet('nextPollAt'),
          description: {
            en: 'Later than the interval after errors (backoff) or when the site asked to wait.',
            zh: '出错（退避）或网站要求等待时会晚于间隔。',
          },
        },
      },
      { name: 'etag', type: 'text', admin: { hidden: true } },
      { name: 'lastModified', type: 'text', admin: { hidden: true } },
      {
        // Article URL -> hash of the item as the feed last carried it; bounded by the feed's size.
        name: 'seen',
        type: 'json',
        admin: { hidden: true },
      },
    ]),
  },
]
