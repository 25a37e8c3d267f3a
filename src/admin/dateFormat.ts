import type { CollectionConfig, Field } from 'payload'

/**
 * The one date format of the admin: lists, the dashboard, the import panel, the editor's date
 * fields and its sidebar. Payload shows three by default (lists and the sidebar `admin.dateFormat`
 * 'MMMM do yyyy, h:mm a', the editor's date picker 'MMM d, yyy h:mm a', our own cards the browser's
 * locale); this one reads the same in English and Chinese and sorts as text. date-fns tokens, which
 * both Payload's formatter and the date picker use.
 */
export const DESK_DATE_FORMAT = 'yyyy-MM-dd HH:mm'
/** A date picker that shows the day only. */
export const DESK_DAY_FORMAT = 'yyyy-MM-dd'

type DateField = Extract<Field, { type: 'date' }>

/**
 * A date field shown in `format` (the admin's `dateFormat`), unless it chose its own or shows a time
 * or a month only; a day-only field in `DESK_DAY_FORMAT` when `format` is the desk's.
 */
const withFormat = (field: DateField, format: string): DateField => {
  const date = field.admin?.date
  if (date?.displayFormat) return field
  const appearance = date?.pickerAppearance ?? 'dayAndTime'
  const displayFormat =
    appearance === 'dayAndTime'
      ? format
      : appearance === 'dayOnly' && format === DESK_DATE_FORMAT
        ? DESK_DAY_FORMAT
        : ''
  if (!displayFormat) return field
  return { ...field, admin: { ...field.admin, date: { ...date, displayFormat } } }
}

/** Every date field of `fields`, at any depth (groups, tabs, rows, arrays, blocks), in `format`. */
export const fieldsWithDateFormat = (fields: Field[], format: string): Field[] =>
  fields.map((field): Field => {
    if (field.type === 'date') return withFormat(field, format)
    if (field.type === 'tabs')
      return {
        ...field,
        tabs: field.tabs.map((tab) => ({
          ...tab,
          fields: fieldsWithDateFormat(tab.fields, format),
        })),
      }
    if (field.type === 'blocks')
      return {
        ...field,
        blocks: field.blocks.map((block) => ({
          ...block,
          fields: fieldsWithDateFormat(block.fields, format),
        })),
      }
    if ('fields' in field && Array.isArray(field.fields))
      return { ...field, fields: fieldsWithDateFormat(field.fields, format) } as Field
    return field
  })

/** A collection whose date fields show in `format`. */
export const collectionWithDateFormat = (
  collection: CollectionConfig,
  format: string,
): CollectionConfig => ({ ...collection, fields: fieldsWithDateFormat(collection.fields, format) })
