import type { CollectionConfig } from 'payload'

import { admins, editors } from '../src/access/roles'
import { adminComponents } from '../src/lib/adminComponents'
import { IMPORT_RUNS } from '../src/lib/slugs'

/**
 * One doc per archive import (CLI, jobs task, migration): its status while it runs, its summary
 * counts and the full report (one row per file). The admin dashboard lists the latest runs.
 */
export const ImportRuns: CollectionConfig = {
  slug: IMPORT_RUNS,
  labels: {
    singular: { en: 'Import run', zh: '导入记录' },
    plural: { en: 'Import runs', zh: '导入记录' },
  },
  admin: {
    useAsTitle: 'runId',
    // The list reads its columns only, never a run's report (20 MB for the 64k archive).
    enableListViewSelectAPI: true,
    defaultColumns: ['runId', 'status', 'archiveDir', 'startedAt', 'finishedAt', 'dryRun'],
    group: { en: 'Newsroom', zh: '编辑部' },
    // Start an import and follow it (also on the dashboard).
    components: { beforeList: [adminComponents.importPanel] },
  },
  access: { read: editors, create: admins, update: admins, delete: admins },
  defaultSort: '-startedAt',
  fields: [
    { name: 'runId', type: 'text', index: true, label: { en: 'Run id', zh: '批次编号' } },
    {
      name: 'status',
      type: 'select',
      required: true,
      defaultValue: 'running',
      index: true,
      options: [
        { value: 'running', label: { en: 'Running', zh: '进行中' } },
        { value: 'completed', label: { en: 'Completed', zh: '已完成' } },
        { value: 'failed', label: { en: 'Failed', zh: '失败' } },
      ],
    },
    { name: 'archiveDir', type: 'text', label: { en: 'Archive folder', zh: '归档目录' } },
    {
      name: 'dryRun',
      type: 'checkbox',
      defaultValue: false,
      label: { en: 'Dry run', zh: '试运行' },
    },
    { name: 'startedAt', type: 'date', label: { en: 'Started', zh: '开始时间' } },
    { name: 'finishedAt', type: 'date', label: { en: 'Finished', zh: '结束时间' } },
    {
      name: 'progress',
      type: 'group',
      fields: [
        { name: 'done', type: 'number' },
        { name: 'total', type: 'number' },
      ],
    },
    {
      name: 'summary',
      type: 'json',
      label: { en: 'Summary', zh: '摘要' },
      admin: { components: { Field: adminComponents.jsonViewer } },
    },
    { name: 'error', type: 'textarea', label: { en: 'Error', zh: '错误' } },
    {
      name: 'created',
      type: 'json',
      label: { en: 'Docs created', zh: '新建的文档' },
      admin: {
        components: { Field: adminComponents.jsonViewer },
        description: {
          en: 'Ids per collection: what undoing this run removes.',
          zh: '按集合列出的编号：撤销本次导入时删除的内容。',
        },
      },
    },
    {
      name: 'report',
      type: 'json',
      label: { en: 'Report (one row per file)', zh: '报告（每个文件一行）' },
      admin: { components: { Field: adminComponents.jsonViewer } },
    },
  ],
}
