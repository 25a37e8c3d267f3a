/** A minimal Lexical document: one paragraph per string. */
export const paragraphs = (...texts: string[]) => ({
  root: {
    type: 'root',
    version: 1,
    direction: null,
    format: '',
    indent: 0,
    children: texts.map((text) => ({
      type: 'paragraph',
      version: 1,
      direction: null,
      format: '',
      indent: 0,
      textFormat: 0,
      textStyle: '',
      children: [
        { type: 'text', version: 1, text, format: 0, mode: 'normal', style: '', detail: 0 },
      ],
    })),
  },
})
