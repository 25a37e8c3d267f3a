'use client'
import { Button, toast, useForm, useFormFields } from '@payloadcms/ui'
import React from 'react'

import { cleanScrapedContent, type ScrapedCleanupRemoval } from '../../richtext/scrapedCleanup'
import { useNewsroomTranslation } from '../shared'

const quoted = (removal: ScrapedCleanupRemoval) =>
  `“${removal.text.length > 40 ? `${removal.text.slice(0, 40)}…` : removal.text}”`

/**
 * Above a post's content, when its top still carries a scraped page's header (a stale "59 分钟前",
 * a heading that repeats the title: src/richtext/scrapedCleanup.ts), names what it is and offers to
 * remove it. The button changes the draft in the editor only; the editor sees the result and saves
 * it (or leaves without saving). Nothing is ever cleaned without that click.
 */
export const ScrapedCleanup: React.FC = () => {
  const { t } = useNewsroomTranslation()
  const { dispatchFields, setModified } = useForm()
  const content = useFormFields(([fields]) => fields.content?.value)
  const title = useFormFields(([fields]) => fields.title?.value)
  const { state, removed } = cleanScrapedContent(content, typeof title === 'string' ? title : '')
  if (removed.length === 0) return null
  const apply = () => {
    // `initialValue` too: the Lexical field re-mounts on a new initial value, and shows the result.
    dispatchFields({ type: 'UPDATE', path: 'content', value: state, initialValue: state })
    setModified(true)
    toast.success(t('newsroom:scrapedCleanupDone'))
  }
  return (
    <div className="field-type nr-scraped-cleanup" data-testid="scraped-cleanup">
      <span className="nr-muted">
        {t('newsroom:scrapedCleanupHint', { items: removed.map(quoted).join(', ') })}
      </span>{' '}
      <Button buttonStyle="secondary" onClick={apply} size="small">
        {t('newsroom:scrapedCleanup')}
      </Button>
    </div>
  )
}
