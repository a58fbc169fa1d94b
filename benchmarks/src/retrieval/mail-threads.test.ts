import { describe, expect, it } from 'vitest'
import { pairedDelta } from './fusion-report.ts'
import { mailThreads, messageBody, type RawMessage, threadKey } from './mail-threads.ts'

const message = (id: number, group: string, subject: string, body: string, headers = ''): RawMessage => ({
  id,
  group,
  text: `From x@example.org  Thu Aug 22 14:54:39 2002\nSubject: ${subject}\n${headers}From: someone\n\n${body}`,
})

describe('mail subject collections', () => {
  it('normalises a subject: reply and forward prefixes and list tags go, spaces collapse', () => {
    expect(threadKey('Re: [zzzzteana] Nothing like  mama used to make')).toBe(
      'Nothing like mama used to make',
    )
    expect(threadKey('RE: Fwd: [SAdev] [Bug 123] spam  scores')).toBe('spam scores')
    expect(threadKey('Sun Solaris..')).toBe('Sun Solaris..')
  })

  it('keeps the readable body: no headers, quotes or Subject lines; the plain part of a multipart mail', () => {
    const plain = messageBody(
      'Subject: Carbonara\nContent-Type: text/plain\n\n> what do you use instead of cream?\nEgg and bacon.\nSubject: Carbonara\nMartin',
    )
    expect(plain).toEqual({ subject: 'Carbonara', body: 'Egg and bacon.\nMartin' })
    const multipart = messageBody(
      'Subject: Offer\nContent-Type: multipart/alternative; boundary="XX"\n\n--XX\nContent-Type: text/html\n\n<p>html</p>\n--XX\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\nSave 50=25 now=\n!\n--XX--',
    )
    expect(multipart?.body).toBe('Save 50% now!')
    const html = messageBody(
      'Subject: Ink\nContent-Type: text/html\n\n<style>p{}</style><p>Cheap&nbsp;ink &amp; toner</p>',
    )
    expect(html?.body.trim()).toBe('Cheap ink & toner')
    expect(messageBody('Subject: x\nContent-Transfer-Encoding: base64\n\nQUJD')).toBeUndefined()
    expect(messageBody('no blank line, no body')).toBeUndefined()
  })

  it('makes one query per subject shared by two or more messages of the kind, those messages relevant', () => {
    const long = 'enough words in this body to be kept as a document'
    const data = mailThreads(
      [
        message(1, 'easy-ham-1', 'Tiny DNS swap', `Has anyone swapped tiny dns? ${long}`),
        message(2, 'easy-ham-1', 'Re: [ILUG] Tiny DNS swap', `Yes, last week. ${long}`),
        message(3, 'hard-ham-1', 'alone', `Nobody answered this one. ${long}`),
        message(4, 'spam-1', 'Tiny DNS swap', `Buy now ${long}`),
        message(5, 'easy-ham-2', 'Tiny DNS swap', 'short'),
        message(6, 'easy-ham-2', '(no subject)', long),
        message(7, 'easy-ham-2', 'Re: (no subject)', long),
      ],
      'ham',
    )
    expect(data.name).toBe('spamassassin-ham-subjects')
    expect(data.documents.map((d) => d.id)).toEqual([
      'easy-ham-1/1',
      'easy-ham-1/2',
      'hard-ham-1/3',
      'easy-ham-2/6',
      'easy-ham-2/7',
    ])
    expect(data.documents.every((d) => d.title === '' && !d.text.includes('Tiny DNS swap'))).toBe(true)
    expect(data.queries).toEqual([{ id: 't1', text: 'Tiny DNS swap' }])
    expect(data.qrels.get('t1')).toEqual(
      new Map([
        ['easy-ham-1/1', 1],
        ['easy-ham-1/2', 1],
      ]),
    )
    expect(mailThreads([message(4, 'spam-1', 'x', long)], 'spam').documents.map((d) => d.id)).toEqual([
      'spam-1/4',
    ])
  })

  it('reports the mean and standard error of paired differences', () => {
    expect(pairedDelta([1, 0.5, 0], [0.5, 0.5, 0.5])).toEqual({ mean: 0, se: Math.sqrt(0.25 / 3) })
    expect(pairedDelta([], [])).toEqual({ mean: 0, se: 0 })
    expect(() => pairedDelta([1], [])).toThrow(/differ in length/)
  })
})
