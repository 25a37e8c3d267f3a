export {
  archiveDocument,
  canonicalContent,
  sourceOf,
  type ArchiveDocument,
  type ArchiveLink,
  type ArchivePostFields,
  type ArchiveSource,
  type FrontMatter,
} from './document'
export { bodyDate, choosePublishedAt, parseArchiveDate, type DateSource } from './dates'
export { lenientFrontMatter, parseArchiveFile } from './parse'
export { archivePost, documentOfPost, type ArchivePost } from './post'
export { ArchiveFormatError, archiveFileName, writeArchiveFile } from './write'
