'use client'
import { PublishButton, useAuth } from '@payloadcms/ui'
import React from 'react'

import { canEdit } from '../shared'

/**
 * Publishing (and scheduling it) belongs to editors: writers get no publish button at all, only
 * "Save draft" and "Submit for review". The server refuses a writer's publish anyway; this keeps the
 * admin from offering it.
 */
export const NewsroomPublishButton: React.FC<{ label?: string }> = (props) => {
  const { user } = useAuth()
  if (!canEdit(user)) return null
  return <PublishButton {...props} />
}
